"""A candidate against the live version it would replace (docs/comparison.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govern.records._codec import JSON, optional
from govern.records.base import Record


@dataclass(frozen=True)
class ComparisonCheck:
    """One check of the release gate: both figures, the threshold and pass, fail, not
    measured (no data for it) or info (shown, never gating)."""

    check: str
    candidate: float | None
    live: float | None
    threshold: float | None
    status: str  # pass, fail, not measured, info
    detail: str


@dataclass(frozen=True)
class ComparedFile:
    name: str
    sha256: str


@dataclass(frozen=True)
class ComparisonResult(
    Record, kind="comparison.result", purpose="comparison", action="record-comparison"
):
    """What one `govern compare --record` found."""

    subject: str  # comparison:CANDIDATE@V
    candidate: str
    candidate_entry: str
    live: str
    live_entry: str
    source: str  # a dataset version, a file's name, or "replay"
    source_sha256: str
    rows: int
    erased: int
    passed: bool
    checks: tuple[ComparisonCheck, ...]
    files: tuple[ComparedFile, ...]
    figures: Mapping[str, JSON]
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)
