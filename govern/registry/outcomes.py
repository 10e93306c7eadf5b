"""Realised outcomes of logged predictions (docs/monitoring.md, "Outcomes").

``govern outcomes add FILE --id-col COL --outcome-col COL`` joins what happened (a default within
12 months, a confirmed fraud) to the decisions by their prediction ids. Every row is checked
before anything is written: the id must be a logged prediction, the outcome one of the model's
labels, and no id may appear twice in the file. One signed ``outcome.recorded`` entry per model
version and chunk of rows, all in one transaction; an outcome for an id that already has one
supersedes it (the entry says which), never overwrites it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from govern.errors import BadInput
from govern.ledger import Entry
from govern.ledger.entry import format_ts
from govern.records import (
    CategoricalColumn,
    ModelRegistered,
    OutcomeRow,
    OutcomesRecorded,
    subjects,
)
from govern.registry import catalog, keyed, models

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = ["CHUNK", "OutcomesAdded", "add_outcomes", "labels_of", "outcomes_of"]

#: Rows per ``outcome.recorded`` entry.
CHUNK = 5_000
_LOGGED = "prediction.logged"


@dataclass(frozen=True)
class OutcomesAdded:
    batch: str
    rows: int
    corrections: int
    models: tuple[str, ...]
    entries: tuple[Entry, ...]


def labels_of(reg: Registry, record: ModelRegistered) -> tuple[str, ...]:
    """The labels a classifier's outcomes may take: the target's categories in its training
    data (and the positive label)."""
    labels: set[str] = set()
    if record.positive_label is not None:
        labels.add(record.positive_label)
    if record.favorable_label is not None:
        labels.add(record.favorable_label)
    for ref in record.training_data:
        try:
            profile = catalog.profile_of(reg, ref.ref)
        except BadInput:
            continue
        if record.target not in profile.columns:
            continue
        column = profile.column(record.target)
        if isinstance(column, CategoricalColumn):
            labels.update(str(t.value) for t in column.top)
    return tuple(sorted(labels))


def outcomes_of(reg: Registry, ref: str) -> dict[str, tuple[str, str | None, int]]:
    """prediction id -> (outcome, observed at, entry) for ``ref``'s predictions, the latest
    correction of each, read from the checked ``outcome.recorded`` entries."""
    out: dict[str, tuple[str, str | None, int]] = {}
    for entry in reg.ledger.checked(subject=subjects.outcomes(ref), kinds=[OutcomesRecorded.KIND]):
        record = OutcomesRecorded.from_entry(entry)
        for row in record.rows:
            out[row.id] = (row.outcome, row.observed_at, entry.seq)
    return out


def _observed(value: object, row: int, column: str) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    try:
        moment = pd.Timestamp(str(value))
    except (ValueError, TypeError) as exc:
        raise BadInput(f"row {row}: {column} holds {value!r}, which is not a date") from exc
    if moment.tzinfo is None:
        moment = moment.tz_localize("UTC")
    return format_ts(moment.to_pydatetime())


def add_outcomes(
    reg: Registry,
    data: Path | pd.DataFrame,
    *,
    id_col: str,
    outcome_col: str,
    observed_at_col: str | None = None,
) -> OutcomesAdded:
    """Check every row, then record the outcomes (all or nothing)."""
    needed = [c for c in (outcome_col, observed_at_col) if c is not None]
    read = keyed.read_keyed(
        reg, data, id_col=id_col, columns=needed, what="outcomes file", gives="an outcome"
    )
    frame, source, digest, ids, logged = read.frame, read.source, read.sha256, read.ids, read.logged
    by_model: dict[str, list[int]] = defaultdict(list)
    for i, pid in enumerate(ids):
        by_model[logged[pid][1]].append(i)
    outcomes = [str(v) for v in frame[outcome_col]]
    observed = (
        [_observed(v, i + 1, observed_at_col) for i, v in enumerate(frame[observed_at_col])]
        if observed_at_col is not None
        else [None] * len(ids)
    )
    batch = uuid.uuid4().hex
    records: list[OutcomesRecorded] = []
    corrections = 0
    for ref in sorted(by_model):
        mv = models.resolve(reg, ref)
        if mv.record.task != "classification":
            raise BadInput(f"{ref} is a regressor: govern records outcomes of classifiers")
        labels = labels_of(reg, mv.record)
        earlier = outcomes_of(reg, ref)
        rows: list[OutcomeRow] = []
        for i in by_model[ref]:
            if labels and outcomes[i] not in labels:
                raise BadInput(
                    f"row {i + 1}: outcome {outcomes[i]!r} for {ids[i]!r} is not one of "
                    f"{ref}'s labels ({', '.join(labels)})",
                )
            prior = earlier.get(ids[i])
            if prior is not None:
                corrections += 1
            rows.append(
                OutcomeRow(
                    id=ids[i],
                    outcome=outcomes[i],
                    observed_at=observed[i],
                    supersedes=None if prior is None else prior[2],
                )
            )
        for start in range(0, len(rows), CHUNK):
            records.append(
                OutcomesRecorded(
                    subject=subjects.outcomes(ref),
                    model=ref,
                    model_entry=mv.leaf,
                    batch=batch,
                    source=source,
                    source_sha256=digest,
                    rows=tuple(rows[start : start + CHUNK]),
                )
            )
    entries = reg.record_batch(records)
    return OutcomesAdded(
        batch=batch,
        rows=len(ids),
        corrections=corrections,
        models=tuple(sorted(by_model)),
        entries=tuple(entries),
    )
