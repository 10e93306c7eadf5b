"""Forming the designated groups from the policy's ``[fairness]`` section (docs/fairness.md,
"Designating groups"), and the group store: designated attributes a bank holds apart from the
scoring data, joined to logged decisions by prediction id.

Groups are designated by the bank, never guessed: a category the policy maps goes to its group,
one it does not name is its own group; a number goes to the band of the largest lower bound at
or below it (below the first bound, or missing: no group). The group store
(``fairness_groups``) is on the erasable side of the registry, like the logged inputs: none of
its rows is in the ledger, so a lawful request may delete them and the ledger stays valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Connection, Engine, inspect, select

from govern.errors import BadInput
from govern.ledger import db
from govern.registry import erasable, keyed, tables
from govern.registry.policy import FairnessAttribute, FairnessRule

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = [
    "GroupsAdded",
    "add_groups",
    "delete_in",
    "designated_features",
    "erase_groups",
    "form",
    "groups_of",
    "store",
    "values_for",
]

_LOGGED = "prediction.logged"

#: One designated attribute's value for one logged prediction, keyed by its id: never in the
#: ledger (docs/fairness.md, "Group files"); created by `govern init` with the erasable tables.
store = erasable.groups


def designated_features(rule: FairnessRule, features: Sequence[str]) -> list[str]:
    """The model features (in their order) that are attributes the policy designates."""
    names = {a.name for a in rule.attributes}
    return [f for f in features if f in names]


def form(attribute: FairnessAttribute, values: pd.Series) -> pd.Series:
    """Each value's group under ``attribute`` (None: no group), as an object series."""
    out: list[str | None] = []
    if attribute.bands is not None:
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.isna().all() and values.notna().any():
            raise BadInput(
                f"the policy bands {attribute.name} by number, but its values are not numbers "
                f"(for example {values.dropna().iloc[0]!r})",
                hint="designate its categories with groups instead of bands",
            )
        for v in numbers:
            label = None
            if v == v:  # not NaN
                for low, name in attribute.bands:
                    if v >= low:
                        label = name
            out.append(label)
    else:
        mapping = attribute.groups or {}
        for v in values:
            if v is None or (isinstance(v, float) and v != v):
                out.append(None)
            else:
                out.append(mapping.get(str(v), str(v)))
    return pd.Series(out, index=values.index, dtype=object)


@dataclass(frozen=True)
class GroupsAdded:
    rows: int  # rows of the file
    values: int  # (prediction id, attribute) values stored
    attributes: tuple[str, ...]
    replaced: int  # values that replaced earlier ones
    source: str
    source_sha256: str


def _present(engine: Engine) -> bool:
    with engine.connect() as conn:
        return inspect(conn).has_table(store.name)


def add_groups(
    reg: Registry,
    data: Path | pd.DataFrame,
    *,
    id_col: str,
    attribute_cols: Sequence[str],
) -> GroupsAdded:
    """Check every row, then store each designated attribute's value for each logged prediction
    (all or none); a value for an id that has one replaces it."""
    if not attribute_cols:
        raise BadInput(
            "name the attribute columns to store (--attribute-col, once per attribute)",
        )
    rule = reg.policy().fairness
    designated = [] if rule is None else [a.name for a in rule.attributes]
    undesignated = [c for c in attribute_cols if c not in designated]
    if undesignated:
        raise BadInput(
            f"the policy designates no attribute {tables.name_list(undesignated)}: "
            "govern stores only the attributes the bank designated",
            hint="designated: "
            + (tables.name_list(designated) if designated else "none")
            + " (the policy's [fairness] section, `govern policy set`)",
        )
    read = keyed.read_keyed(
        reg, data, id_col=id_col, columns=attribute_cols, what="group file", gives="groups"
    )
    frame, source, digest, ids = read.frame, read.source, read.sha256, read.ids
    values = []
    for col in attribute_cols:
        for pid, v in zip(ids, frame[col], strict=True):
            if v is None or (isinstance(v, float) and v != v):
                continue  # unknown: no value stored
            values.append({"prediction_id": pid, "attribute": col, "value": str(v)})
    engine = reg.ledger.engine
    with engine.connect().execution_options(**db.WRITE) as conn, conn.begin():
        store.create(conn, checkfirst=True)
        earlier = 0
        for col in attribute_cols:
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                earlier += conn.execute(
                    store.delete().where(store.c.attribute == col, store.c.prediction_id.in_(part))
                ).rowcount
        if values:
            conn.execute(store.insert(), values)
    return GroupsAdded(
        rows=len(ids),
        values=len(values),
        attributes=tuple(attribute_cols),
        replaced=earlier,
        source=source,
        source_sha256=digest,
    )


def groups_of(reg: Registry, attribute: str, ids: Sequence[str]) -> dict[str, str]:
    """prediction id -> the stored value of ``attribute``, for those of ``ids`` that have one."""
    engine = reg.ledger.engine
    if not _present(engine):
        return {}
    out: dict[str, str] = {}
    wanted = list(dict.fromkeys(ids))
    with engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            query = select(store.c.prediction_id, store.c.value).where(
                store.c.attribute == attribute,
                store.c.prediction_id.in_(wanted[start : start + 500]),
            )
            out.update({r.prediction_id: r.value for r in conn.execute(query)})
    return out


def delete_in(conn: Connection, ids: Sequence[str]) -> int:
    """Delete, inside the caller's transaction, every stored attribute value of the
    predictions ``ids``; return the values deleted (0 where the store was never created)."""
    if not inspect(conn).has_table(store.name):
        return 0
    deleted = 0
    for start in range(0, len(ids), 500):
        deleted += conn.execute(
            store.delete().where(store.c.prediction_id.in_(list(ids[start : start + 500])))
        ).rowcount
    return deleted


def values_for(
    reg: Registry, attribute: str, ids: Sequence[str], frame: pd.DataFrame | None = None
) -> pd.Series:
    """Each row's value of ``attribute``: the rows' own column where ``frame`` holds it, else
    the value a group file stored for its prediction id (None where there is none); indexed
    like ``frame`` when it is given."""
    if frame is not None and attribute in frame.columns:
        return frame[attribute]
    stored = groups_of(reg, attribute, ids)
    index = frame.index if frame is not None else None
    return pd.Series([stored.get(pid) for pid in ids], index=index, dtype=object)


def erase_groups(reg: Registry, ids: Sequence[str]) -> int:
    """Delete every stored attribute value of the predictions ``ids`` (a lawful erasure
    request; `govern erase` does it with the input); return the values deleted."""
    with reg.ledger.engine.connect().execution_options(**db.WRITE) as conn, conn.begin():
        return delete_in(conn, ids)
