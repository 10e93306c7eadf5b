"""Explaining registered models: the data `govern explain` works on, as a library.

A model version is loaded from the artifact store (its digest checked), the data is a registered
dataset version (``NAME@V``) or a file, the background (for the methods that need one) is a
registered dataset version recorded with the explanation, and the reason-code table is the one
registered for the model (``reason_table.registered``) or the default derived from feature
names. The reports, and the ``explanation.generated`` entries recording them, are written by
``govern.documents.explanation``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from govern._moved import moved
from govern.errors import BadInput, NotFound, PolicyViolation
from govern.explain.explainers import ModelExplainer
from govern.explain.reasons import ReasonTable, default_reason_table, parse_reason_table
from govern.ledger import Entry
from govern.records import (
    DataUsed,
    ModelRegistered,
    ReasonTableRegistered,
    subjects,
)
from govern.registry import catalog, models
from govern.registry.digests import dataset_digest
from govern.registry.tables import read_table

if TYPE_CHECKING:
    from govern.registry.core import Registry

BACKGROUND_ROWS = 200  # a fixed, seeded sample of the background version, recorded as such


@dataclass(frozen=True)
class DataSource:
    """Where explained rows came from, as the ledger records it."""

    frame: pd.DataFrame
    ref: str | None  # NAME@V when registered
    sha256: str
    path: str | None = None

    def record(self) -> DataUsed:
        return DataUsed(ref=self.ref, sha256=self.sha256, rows=len(self.frame), file=self.path)


@dataclass(frozen=True)
class Prepared:
    """A registered model made ready to explain (stay warm: reuse it for many decisions)."""

    ref: str
    registration: ModelRegistered
    model: Any
    explainer: ModelExplainer
    features: list[str]
    background: DataSource | None
    table: ReasonTable

    @property
    def positive_label(self) -> str | None:
        return self.registration.positive_label

    @property
    def favourable_label(self) -> str | None:
        """The outcome good for the applicant (an entry that does not state it: the positive
        label, as govern read it then)."""
        return self.registration.favourable_outcome

    @property
    def favourable_stated(self) -> bool:
        return self.registration.favourable_stated or self.registration.task != "classification"

    @property
    def adverse_label(self) -> Hashable | None:
        """The class a decline is about: the model's class that is not the favourable one."""
        classes = list(getattr(self.model, "classes_", []))
        others = [c for c in classes if str(c) != self.favourable_label]
        return others[0] if len(others) == 1 else None

    def decide(self, frame: pd.DataFrame) -> list[str] | None:
        """The registered decision of each row: the positive label when its probability is at
        or above the registered threshold, else the other class (None for a regressor)."""
        r = self.registration
        if r.task != "classification":
            return None
        classes = [str(c) for c in getattr(self.model, "classes_", [])]
        if len(classes) != 2 or r.positive_label not in classes:
            raise BadInput(f"{self.ref} has classes {', '.join(classes)}: it cannot decide")
        pos = classes.index(r.positive_label)
        try:
            scores = self.model.predict_proba(frame)[:, pos]
        except (ValueError, TypeError, KeyError) as exc:
            raise BadInput(f"the model cannot score the data: {exc}") from None
        threshold = float(r.threshold)
        return [classes[pos] if float(v) >= threshold else classes[1 - pos] for v in scores]


def load_data(reg: Registry, source: str, *, id_col: str | None = None) -> DataSource:
    """A registered dataset version (``NAME@V``) or a CSV/Parquet file."""
    path = Path(source)
    if path.exists():
        frame = read_table(path)
        digest = dataset_digest(path)
        src = DataSource(frame, None, digest, path.name)
    elif "@" in source:
        row = catalog.resolve(reg, source)
        src = DataSource(catalog.load(reg, source), f"{row.name}@{row.version}", row.sha256)
    else:
        raise NotFound(
            f"{source!r} is neither a file nor a registered dataset version",
            hint="give a CSV/Parquet path or NAME@V (see `govern data list`)",
        )
    if len(src.frame) == 0:
        raise BadInput(f"the data {source} has no rows to explain")
    if id_col is not None:
        if id_col not in src.frame.columns:
            raise BadInput(f"the id column {id_col!r} is not in the data {source}")
        if src.frame[id_col].duplicated().any():
            raise BadInput(f"the id column {id_col!r} holds duplicate ids")
        frame = src.frame.set_index(id_col, drop=True)
        frame.index = frame.index.map(str)
        src = DataSource(frame, src.ref, src.sha256, src.path)
    return src


def features_of(registration: ModelRegistered, frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """The model's features from ``frame``, refusing data that does not have them."""
    features = registration.feature_names
    missing = [f for f in features if f not in frame.columns]
    if missing:
        raise BadInput(
            f"the data {what} does not match the model's features: missing "
            f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}",
            hint="explain with data that has the columns the model was trained on",
        )
    return frame[features]


def reason_table(reg: Registry, ref: str) -> ReasonTable:
    """The latest reason-code table registered for the model's name, or the default one."""
    row = models.resolve(reg, ref)
    features = row.record.feature_names
    for entry in reg.ledger.entries(
        subject=subjects.reason_table(row.name),
        kind=ReasonTableRegistered.KIND,
        newest_first=True,
        limit=1,
    ):
        text = ReasonTableRegistered.from_entry(entry).text.encode("utf-8")
        table = parse_reason_table(text, source=f"ledger entry {entry.seq}")
        table.check_features(features)
        return table
    return default_reason_table(features, model=row.name)


def register_reason_table(reg: Registry, ref: str, path: Path) -> Entry:
    """Record a reason-code table (TOML, docs/reason-codes.md) for the model's name."""
    row = models.resolve(reg, ref)
    features = row.record.feature_names
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read the reason-code table {path}: {exc}") from exc
    table = parse_reason_table(raw, source=path.name)
    table.check_features(features)
    rule = reg.policy().fairness_for(row.name)
    stated = table.states_designated([a.name for a in rule.attributes]) if rule else []
    if stated:
        raise PolicyViolation(
            f"the reason-code table {path.name} states {', '.join(stated)} as an adverse-action "
            "reason; the policy designates "
            + ("it" if len(stated) == 1 else "them")
            + " for fair-lending analysis, and Reg B (12 CFR 1002.9(b)(2)) reasons must be the "
            "specific, permitted factors of the decision; nothing was recorded",
            hint="state the permitted factors instead, or leave the designated attributes out of "
            "the table (and of the model)",
        )
    return reg.record(
        ReasonTableRegistered(
            subject=subjects.reason_table(row.name),
            model=row.name,
            version=table.version,
            sha256=hashlib.sha256(raw).hexdigest(),
            text=raw.decode("utf-8"),
        )
    )


def prepare(
    reg: Registry, ref: str, *, background: str | None = None, model: Any | None = None
) -> Prepared:
    """Load and ready a registered model; the background defaults to its training data.
    ``model``: the version's estimator, already loaded (by digest) by the caller."""
    row = models.resolve(reg, ref)
    registration = row.record
    if model is None:
        model = models.load(reg, row)
    bg_ref = background or registration.training_data[0].ref
    bg_row = catalog.resolve(reg, bg_ref)
    full = features_of(registration, catalog.load(reg, bg_row), bg_ref)
    sample = full.sample(n=min(BACKGROUND_ROWS, len(full)), random_state=0).sort_index()
    bg = DataSource(sample, f"{bg_row.name}@{bg_row.version}", bg_row.sha256)
    explainer = ModelExplainer(model, background=sample)
    return Prepared(
        ref=row.ref,
        registration=registration,
        model=model,
        explainer=explainer,
        features=registration.feature_names,
        background=bg,
        table=reason_table(reg, ref),
    )


__getattr__ = moved(
    __name__,
    {
        "explain_global": "govern.documents.explanation:explain_global",
        "explain_row": "govern.documents.explanation:explain_row",
    },
)
