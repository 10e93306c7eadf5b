"""Logged predictions, their erasures and human overrides (docs/provenance.md, "Formats")."""

from __future__ import annotations

from dataclasses import dataclass

from govern.records._codec import JSONObject, optional, to_json
from govern.records.base import Record


@dataclass(frozen=True)
class PredictionOutput:
    """The score as a decimal string, the decision (a classifier's label at the threshold) and,
    for ``predict``, the estimator's own label."""

    decision: str | None
    score: str
    label: str | None = optional()


@dataclass(frozen=True)
class ScoringOverride:
    """Why a version that was not deployed and approved scored anyway, and its status then."""

    reason: str
    status: str

    def to_json(self) -> JSONObject:
        value: JSONObject = to_json(self)
        return value


@dataclass(frozen=True)
class PredictionLogged(Record, kind="prediction.logged"):
    subject: str  # the prediction id
    method: str
    model: str
    model_entry: str
    input_commitment: str
    output: PredictionOutput
    override: ScoringOverride | None
    product: str | None = optional()
    subject_key: str | None = optional()

    @property
    def id(self) -> str:
        return self.subject


@dataclass(frozen=True)
class PredictionErased(Record, kind="prediction.erased"):
    subject: str
    prediction_entry: int
    prediction_leaf: str
    input_commitment: str
    reason: str
    retain_until: str
    within_retention: bool


@dataclass(frozen=True)
class PredictionOverridden(Record, kind="prediction.overridden"):
    subject: str
    prediction_entry: int
    model_decision: str | None
    decision: str
    reason: str
    reviewer: str
