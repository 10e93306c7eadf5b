"""A fair-lending analysis of one model version (docs/fairness.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govern.records._codec import JSON, optional
from govern.records.base import Record


@dataclass(frozen=True)
class FairnessGroup:
    """One designated group's figures: ``status`` is ``pass``, ``fail`` (a threshold of the
    policy breached), ``reference`` (the group compared with) or ``too few rows``."""

    attribute: str
    group: str
    count: int
    approval_rate: float | None
    air: float | None  # adverse impact ratio: approval rate over the reference group's
    air_low: float | None  # its 95 % interval
    air_high: float | None
    smd: float | None  # standardized mean difference of scores against the reference group
    status: str
    fpr: float | None = optional()  # where outcomes are known
    fnr: float | None = optional()


@dataclass(frozen=True)
class FairnessResult(Record, kind="fairness.result", purpose="fairness", action="record-fairness"):
    """What one `govern fairness --record` found."""

    subject: str  # fairness:NAME@V
    model: str
    model_entry: str
    source: str  # a dataset version, a file's name, or "replay"
    source_sha256: str
    rows: int
    passed: bool  # no group breached the policy's thresholds
    uses_designated: tuple[str, ...]  # designated attributes the model uses as features
    groups: tuple[FairnessGroup, ...]
    breaches: tuple[str, ...]  # one line each
    figures: Mapping[str, JSON]  # the whole report as JSON (reasons by group, proxies, ...)
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)
