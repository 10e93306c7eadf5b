"""Model versions: the artifact, its data, code, estimator, features and holdout metrics
(docs/registry.md, "Models").

The holdout metrics are recorded as the registry computed them (one object per holdout dataset
version) and read through ``ClassifierMetrics`` / ``RegressorMetrics``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govern.records._codec import JSON, JSONObject, from_json, named, optional
from govern.records.base import Record
from govern.records.data import DatasetRef, Feature

#: What documents and explanations say of a version registered before the favourable outcome
#: was recorded: it is read as the positive label, as govern did then.
FAVOURABLE_NOT_STATED = "favourable outcome not stated at registration"


@dataclass(frozen=True)
class Artifact:
    """The stored estimator: its SHA-256, format (skops or pickle) and size in bytes."""

    sha256: str
    format: str
    size: int
    trusted_pickle: bool
    converted_from: str | None


@dataclass(frozen=True)
class Code:
    """The code version a model was built from (git commit, remote, branch, tree state)."""

    commit: str
    remote: str | None
    branch: str | None
    dirty: bool
    path: str


@dataclass(frozen=True)
class Estimator:
    """What the estimator is: its class, parameters and what fitting taught it."""

    class_: str = named("class")
    params: Mapping[str, JSON] = named("params")
    final_estimator: str | None = named("final_estimator")
    classes: tuple[str | int | float | bool, ...] | None = named("classes")
    n_features_in: int | None = named("n_features_in")
    feature_names_in: tuple[str, ...] | None = named("feature_names_in")


@dataclass(frozen=True)
class Confusion:
    tp: int
    fp: int
    tn: int
    fn: int


@dataclass(frozen=True)
class Calibration:
    """Score bins: ``edges`` (lowest score, then upper edges), and per bin the count, the mean
    score and the observed positive rate."""

    edges: tuple[float, ...]
    count: tuple[int, ...]
    mean_score: tuple[float | None, ...]
    observed_rate: tuple[float | None, ...]


@dataclass(frozen=True)
class RocCurve:
    fpr: tuple[float, ...]
    tpr: tuple[float, ...]
    threshold: tuple[float | None, ...]


@dataclass(frozen=True)
class ScoreHistogram:
    edges: tuple[float, ...]
    positive: tuple[int, ...]
    negative: tuple[int, ...]


@dataclass(frozen=True)
class ClassifierMetrics:
    """A binary classifier's metrics on one holdout (docs/registry.md lists their definitions)."""

    n: int
    positives: int
    negatives: int
    positive_label: str | int | float | bool | None
    positive_rate: float
    threshold: float
    roc_auc: float | None
    gini: float | None
    ks: float | None
    ks_score: float | None
    pr_auc: float | None
    brier: float | None
    log_loss: float | None
    accuracy: float
    precision: float | None
    recall: float | None
    specificity: float | None
    f1: float | None
    predicted_positive_rate: float
    confusion: Confusion
    calibration: Calibration
    roc_curve: RocCurve | None
    score_histogram: ScoreHistogram


@dataclass(frozen=True)
class RegressorMetrics:
    n: int
    mae: float | None
    rmse: float | None
    r2: float | None
    median_ae: float | None
    mean_residual: float | None
    residual_quantiles: Mapping[str, float | None]


@dataclass(frozen=True)
class Designated:
    """The live version a candidate would replace: its reference and its registration's leaf
    hash (docs/registry.md, "Challengers")."""

    ref: str
    entry: str


@dataclass(frozen=True)
class ModelRegistered(Record, kind="model.registered", purpose="model", action="register-model"):
    subject: str
    name: str
    version: int
    task: str  # "classification" or "regression"
    estimator: Estimator
    artifact: Artifact
    features: tuple[Feature, ...]
    target: str
    positive_label: str | None
    threshold: str  # the decision threshold as a decimal string
    training_data: tuple[DatasetRef, ...]
    validation_data: tuple[DatasetRef, ...]
    code: Code
    intended_use: str
    limitations: str
    owner: str
    risk_tier: str
    metrics: Mapping[str, JSONObject]  # holdout NAME@V -> its metrics
    environment: Mapping[str, str]
    # The class that is good for the applicant (a classifier); absent from entries written
    # before it was asked for, which are read as favourable = positive (docs/reason-codes.md).
    favorable_label: str | None = optional()
    # The version this one is a designated challenger of (absent: none)
    challenger_of: Designated | None = optional()
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def favourable_stated(self) -> bool:
        """True if the registration names the favourable outcome (a regressor has none)."""
        return self.favorable_label is not None

    @property
    def favourable_outcome(self) -> str | None:
        """The outcome good for the applicant: the stated favourable label, or for an entry
        written before it was recorded, the positive label (None for a regressor)."""
        return self.favorable_label if self.favorable_label is not None else self.positive_label

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def datasets(self) -> tuple[DatasetRef, ...]:
        """Training then validation data, as approvals pin them."""
        return (*self.training_data, *self.validation_data)

    def classifier_metrics(self, holdout: str) -> ClassifierMetrics:
        return from_json(
            ClassifierMetrics, self.metrics[holdout], what=f"metrics of {self.ref} on {holdout}"
        )

    def regressor_metrics(self, holdout: str) -> RegressorMetrics:
        return from_json(
            RegressorMetrics, self.metrics[holdout], what=f"metrics of {self.ref} on {holdout}"
        )


@dataclass(frozen=True)
class ChallengerDesignated(
    Record, kind="model.challenger", purpose="model", action="register-model"
):
    """A version designated, after its registration, as the challenger of a live one."""

    subject: str  # model:CANDIDATE@V
    candidate: str
    candidate_entry: str
    of: Designated
    reason: str
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)


@dataclass(frozen=True)
class DecisionBand:
    """Scores from ``min_score`` (a decimal string, inclusive) up to the next band's take
    ``action``."""

    min_score: str
    action: str


@dataclass(frozen=True)
class DecisionPolicyRegistered(
    Record, kind="decision_policy.registered", purpose="model", action="decision-policy"
):
    """A version's decision policy: ordered score bands mapped to actions (docs/registry.md,
    "Decision policies"), versioned per model version and pinned by approvals."""

    subject: str  # decision-policy:NAME@V
    model: str
    model_entry: str
    version: int
    bands: tuple[DecisionBand, ...]  # by min_score, the first from 0
    severity: tuple[str, ...]  # every action, harshest first
    adverse: tuple[str, ...]  # the actions that are adverse to the applicant
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)
