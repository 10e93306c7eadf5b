"""Typed records: one frozen dataclass per kind of ledger entry (docs/records.md).

Writers build records and append their payloads; readers turn entries back into records with
``read`` or ``Kind.from_entry`` and read attributes, never payload keys. A record written and read
again has the same canonical bytes, so entries written before these classes existed read as
they are.
"""

from govern.records import subjects
from govern.records._codec import JSON, JSONObject, from_json, to_json
from govern.records.base import KINDS, NOT_RECORDED, Record, Recorded, UnknownRecord, read
from govern.records.data import (
    CategoricalBins,
    CategoricalColumn,
    DatasetProfile,
    DatasetRef,
    DatasetRegistered,
    Feature,
    FileDigest,
    NumericBins,
    NumericColumn,
    ProfileFeatures,
    TopValue,
)
from govern.records.deployments import (
    OVERRIDE_TYPE,
    DeploymentOverride,
    ModelDeployed,
    ModelRetired,
    OverrideStatement,
)
from govern.records.documents import (
    BackgroundUsed,
    CardNarrative,
    DataUsed,
    DocumentGenerated,
    ExplanationGenerated,
    ExplanationMethod,
    FidelityCheck,
    NarrativeRecorded,
    PackCoverage,
    ReasonTableRef,
    ReasonTableRegistered,
    ReleasedFile,
    ReportFile,
    ValidationNarrative,
)
from govern.records.log import LogCreated
from govern.records.models import (
    Artifact,
    Calibration,
    ClassifierMetrics,
    Code,
    Confusion,
    Estimator,
    ModelRegistered,
    RegressorMetrics,
    RocCurve,
    ScoreHistogram,
)
from govern.records.people import PersonEnrolled, PersonRevoked
from govern.records.policy import PolicySet
from govern.records.predictions import (
    PredictionErased,
    PredictionLogged,
    PredictionOutput,
    PredictionOverridden,
    ScoringOverride,
)
from govern.records.validation import (
    APPROVAL_TYPE,
    ApprovalSigned,
    ApprovalStatement,
    FindingClosed,
    FindingRaised,
    LogState,
)

__all__ = [
    "APPROVAL_TYPE",
    "JSON",
    "KINDS",
    "NOT_RECORDED",
    "OVERRIDE_TYPE",
    "ApprovalSigned",
    "ApprovalStatement",
    "Artifact",
    "BackgroundUsed",
    "Calibration",
    "CardNarrative",
    "CategoricalBins",
    "CategoricalColumn",
    "ClassifierMetrics",
    "Code",
    "Confusion",
    "DataUsed",
    "DatasetProfile",
    "DatasetRef",
    "DatasetRegistered",
    "DeploymentOverride",
    "DocumentGenerated",
    "Estimator",
    "ExplanationGenerated",
    "ExplanationMethod",
    "Feature",
    "FidelityCheck",
    "FileDigest",
    "FindingClosed",
    "FindingRaised",
    "JSONObject",
    "LogCreated",
    "LogState",
    "ModelDeployed",
    "ModelRegistered",
    "ModelRetired",
    "NarrativeRecorded",
    "NumericBins",
    "NumericColumn",
    "OverrideStatement",
    "PackCoverage",
    "PersonEnrolled",
    "PersonRevoked",
    "PolicySet",
    "PredictionErased",
    "PredictionLogged",
    "PredictionOutput",
    "PredictionOverridden",
    "ProfileFeatures",
    "ReasonTableRef",
    "ReasonTableRegistered",
    "Record",
    "Recorded",
    "RegressorMetrics",
    "ReleasedFile",
    "ReportFile",
    "RocCurve",
    "ScoreHistogram",
    "ScoringOverride",
    "TopValue",
    "UnknownRecord",
    "ValidationNarrative",
    "from_json",
    "read",
    "subjects",
    "to_json",
]
