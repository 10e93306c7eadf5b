"""Outcomes and monitoring: what happened after a decision, and what ongoing monitoring found
(docs/monitoring.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govern.records._codec import JSON, optional
from govern.records.base import Record


@dataclass(frozen=True)
class OutcomeRow:
    """One realised outcome of a logged prediction. ``supersedes`` names the entry whose outcome
    for the same id this one corrects (a correction never overwrites)."""

    id: str
    outcome: str
    observed_at: str | None = optional()
    supersedes: int | None = optional()


@dataclass(frozen=True)
class OutcomesRecorded(
    Record, kind="outcome.recorded", purpose="outcomes", action="record-outcomes"
):
    """Realised outcomes of one model version's predictions, one batch (of a file) per entry."""

    subject: str  # outcomes:NAME@V
    model: str
    model_entry: str  # the registration's leaf hash
    batch: str  # one id for every entry of one `govern outcomes add`
    source: str  # the file's name
    source_sha256: str  # the file's SHA-256
    rows: tuple[OutcomeRow, ...]
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)


@dataclass(frozen=True)
class MonitoringCheck:
    """One monitored figure against its thresholds: green below amber, amber below red."""

    metric: str  # psi, score_psi, auc_drop, calibration_gap
    on: str  # the feature, "score", or the window
    value: float
    amber: float
    red: float
    status: str  # green, amber, red


@dataclass(frozen=True)
class MonitoringResult(
    Record, kind="monitoring.result", purpose="monitoring", action="record-monitoring"
):
    """What one `govern monitor --record` run found, with what it read (docs/monitoring.md)."""

    subject: str  # monitoring:NAME@V
    model: str
    model_entry: str
    start: str  # the first moment of the monitored period (RFC 3339)
    end: str  # its end
    source: str  # "production" or the data read (NAME@V or a file name)
    source_sha256: str  # the digest of the rows read (docs/monitoring.md, "What is recorded")
    rows: int
    erased: int  # logged predictions left out because their input was erased
    status: str  # the worst check's
    checks: tuple[MonitoringCheck, ...]
    figures: Mapping[str, JSON]  # everything the report shows, as JSON
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)
