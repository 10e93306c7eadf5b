"""What people write and what govern generates about a version: narratives, reason-code tables,
explanations and released documents (docs/documents.md, docs/explain.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govern.records._codec import JSON, JSONObject, optional
from govern.records.base import Record
from govern.records.validation import LogState


@dataclass(frozen=True)
class NarrativeRecorded(Record):
    """A narrative file's whole text, its SHA-256 and the sections it fills."""

    subject: str
    model: str
    model_entry: str
    file: str | None
    sha256: str
    sections: tuple[str, ...]
    text: str
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)


@dataclass(frozen=True)
class CardNarrative(
    NarrativeRecorded, kind="card.narrative", purpose="narrative", action="card-narrative"
):
    """The model owner's narrative of the card."""


@dataclass(frozen=True)
class ValidationNarrative(
    NarrativeRecorded,
    kind="validation.narrative",
    purpose="narrative",
    action="validation-narrative",
):
    """The validator's narrative of the validation report."""


@dataclass(frozen=True)
class ReasonTableRegistered(
    Record, kind="reason_table.registered", purpose="reasons", action="register-reasons"
):
    """A reason-code table (TOML, docs/reason-codes.md) for every version of a model name."""

    subject: str
    model: str  # the model name
    version: str
    sha256: str
    text: str
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)


@dataclass(frozen=True)
class DataUsed:
    """The rows an explanation ran on: a registered version (``ref``) or a file, by digest."""

    ref: str | None
    sha256: str
    rows: int
    file: str | None


@dataclass(frozen=True)
class BackgroundUsed:
    ref: str | None
    sha256: str
    rows: int
    file: str | None
    sample: str


@dataclass(frozen=True)
class ReportFile:
    format: str
    sha256: str
    file: str


@dataclass(frozen=True)
class ReasonTableRef:
    version: str
    digest: str


@dataclass(frozen=True)
class ExplanationMethod:
    """How contributions were obtained: the SHAP method, its output space and base value."""

    method: str
    method_name: str
    output_space: str
    base_value: float | None
    classes: tuple[str | int | float | bool, ...] | None
    positive_class: str | int | float | bool | None
    settings: Mapping[str, JSON]


@dataclass(frozen=True)
class FidelityCheck:
    """Base value + contributions against the model's own output, at the worst row."""

    max_abs_error: float | None
    tolerance: float
    passed: bool
    reference: str
    output_space: str
    worst_row: str | None
    rows: int


@dataclass(frozen=True)
class ExplanationGenerated(
    Record, kind="explanation.generated", purpose="explanation", action="record-explanation"
):
    """An explanation report written to a file, its digest and how it was obtained. A global
    explanation records ``rows`` and ``sample``; a decision's its ``row``, ``reasons``,
    ``reason_table`` and ``outcome``."""

    subject: str
    model: str
    model_entry: str
    kind: str  # "global" or "decision"
    data: DataUsed
    background: BackgroundUsed | None
    method: ExplanationMethod
    fidelity: FidelityCheck
    report: ReportFile
    rows: int | None = optional()
    sample: int | None = optional()
    row: str | None = optional()
    reasons: tuple[str, ...] | None = optional()
    reason_table: ReasonTableRef | None = optional()
    # A classifier's decision: the outcome explained (absent from entries written before it was
    # recorded, and for a regressor); its `reasons` are empty when it is the favourable one.
    outcome: str | None = optional()
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)

    def to_payload(self) -> JSONObject:
        payload = super().to_payload()
        if self.kind == "global":
            payload.setdefault("sample", None)  # a global explanation says "no sample" as null
        return payload


@dataclass(frozen=True)
class ReleasedFile:
    name: str
    document: str
    sha256: str
    size: int


@dataclass(frozen=True)
class PackCoverage:
    complete: bool
    missing: tuple[str, ...]


@dataclass(frozen=True)
class DocumentGenerated(Record, kind="document.generated", purpose="document", action="release"):
    """A release: the card and validation report written, their digests, what they covered."""

    subject: str
    model: str
    model_entry: str
    card_version: str
    generator: str
    ledger: LogState
    checkpoint: LogState
    status: str
    packs: tuple[str, ...]
    coverage: Mapping[str, PackCoverage]
    files: tuple[ReleasedFile, ...]
    key_fields: Mapping[str, str]
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)
