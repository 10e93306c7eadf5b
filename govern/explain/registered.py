"""Explaining registered models: what `govern explain` does, as a library.

A model version is loaded from the artifact store (its digest checked), the data is a registered
dataset version (``NAME@V``) or a file, the background (for the methods that need one) is a
registered dataset version recorded with the explanation, the reason-code table is the one
registered for the model (``reason_table.registered``) or the default derived from feature
names, and every report written to a file has its digest and parameters recorded in the ledger
(``explanation.generated``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from govern.errors import BadInput, NotFound
from govern.explain.explainers import DecisionExplanation, Explanation, ModelExplainer
from govern.explain.reasons import (
    REG_B_MAX_REASONS,
    ReasonTable,
    default_reason_table,
    parse_reason_table,
)
from govern.explain.report import Report, decision_report, global_report
from govern.ledger import Entry
from govern.records import (
    BackgroundUsed,
    DataUsed,
    ExplanationGenerated,
    ExplanationMethod,
    FidelityCheck,
    ModelRegistered,
    ReasonTableRef,
    ReasonTableRegistered,
    ReportFile,
    from_json,
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
    def adverse_label(self) -> Hashable | None:
        """The class a decline is about: the registered class that is not the positive one."""
        classes = list(getattr(self.model, "classes_", []))
        others = [c for c in classes if str(c) != self.positive_label]
        return others[0] if len(others) == 1 else None


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


def _digests(prep: Prepared, data: DataSource) -> dict[str, str | None]:
    return {
        "model": prep.registration.artifact.sha256,
        "data": data.sha256,
        "background": prep.background.sha256 if prep.background else None,
        "reason_table": prep.table.digest,
    }


def _record(
    reg: Registry,
    prep: Prepared,
    data: DataSource,
    report: Report,
    path: Path,
    **extra: Any,
) -> Entry:
    bg = prep.background
    return reg.record(
        ExplanationGenerated(
            subject=subjects.explanation(prep.ref),
            model=prep.ref,
            model_entry=models.resolve(reg, prep.ref).leaf,
            kind=report.kind,
            data=data.record(),
            background=None
            if bg is None
            else BackgroundUsed(
                ref=bg.ref,
                sha256=bg.sha256,
                rows=len(bg.frame),
                file=bg.path,
                sample=f"{BACKGROUND_ROWS} rows, random_state=0",
            ),
            method=from_json(ExplanationMethod, report.data["explanation"], what="method"),
            fidelity=from_json(FidelityCheck, report.data["fidelity"], what="fidelity"),
            report=ReportFile(
                format=path.suffix.lstrip(".").lower(),
                sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                file=path.name,
            ),
            **extra,
        )
    )


def explain_global(
    reg: Registry,
    ref: str,
    data: str,
    *,
    sample: int | None = None,
    background: str | None = None,
    output: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Explanation, Report, Entry | None]:
    """The global explanation of a registered model over ``data`` (optionally a sample)."""
    prep = prepare(reg, ref, background=background)
    src = load_data(reg, data)
    frame = features_of(prep.registration, src.frame, data)
    if sample is not None:
        if sample < 1:
            raise BadInput("--sample must be at least 1")
        frame = frame.sample(n=min(sample, len(frame)), random_state=0).sort_index()
    explanation = prep.explainer.explain(frame, progress=progress)
    report = global_report(
        explanation,
        title=f"Explanation of {prep.ref} on {src.ref or src.path}",
        digests=_digests(prep, src),
    )
    entry = None
    if output is not None:
        report.write(output)
        entry = _record(reg, prep, src, report, output, rows=len(frame), sample=sample)
    return explanation, report, entry


def explain_row(
    reg: Registry,
    ref: str,
    data: str,
    row_id: str,
    *,
    id_col: str | None = None,
    max_reasons: int = REG_B_MAX_REASONS,
    background: str | None = None,
    output: Path | None = None,
    prepared: Prepared | None = None,
) -> tuple[DecisionExplanation, Report, Entry | None]:
    """One decision: contributions, waterfall and at most ``max_reasons`` principal reasons."""
    prep = prepared or prepare(reg, ref, background=background)
    src = load_data(reg, data, id_col=id_col)
    frame = features_of(prep.registration, src.frame, data)
    key: Hashable = row_id
    if id_col is None:
        if not row_id.isdigit():
            raise BadInput(
                f"row {row_id!r}: without --id-col, a row is named by its number (0, 1, ...)"
            )
        key = int(row_id)
    decision = prep.explainer.decision(
        frame, key, table=prep.table, max_reasons=max_reasons, adverse=prep.adverse_label
    )
    report = decision_report(
        decision, title=f"Decision {row_id} by {prep.ref}", digests=_digests(prep, src)
    )
    entry = None
    if output is not None:
        report.write(output)
        entry = _record(
            reg,
            prep,
            src,
            report,
            output,
            row=row_id,
            reasons=tuple(r.code for r in decision.reasons),
            reason_table=ReasonTableRef(version=prep.table.version, digest=prep.table.digest),
        )
    return decision, report, entry
