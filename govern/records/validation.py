"""Findings and approvals: the validator's and the approver's records (docs/registry.md)."""

from __future__ import annotations

from dataclasses import dataclass

from govern.records._codec import JSONObject, optional, to_json
from govern.records.base import Record
from govern.records.data import DatasetRef

APPROVAL_TYPE = "govern.approval/v1"


@dataclass(frozen=True)
class FindingRaised(Record, kind="finding.raised", purpose="finding", action="raise-finding"):
    subject: str
    model: str
    model_entry: str
    number: int
    severity: str
    type: str
    text: str
    due: str | None
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)


@dataclass(frozen=True)
class FindingClosed(Record, kind="finding.closed", purpose="finding", action="close-finding"):
    subject: str
    model: str
    number: int
    resolution: str
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)


@dataclass(frozen=True)
class LogState:
    """A log size and its root hash (base64): what a signer reviewed, or a document described."""

    size: int
    root: str


@dataclass(frozen=True)
class PinnedText:
    """A recorded text an approval pins: its entry and the SHA-256 of the text."""

    entry: int
    sha256: str


@dataclass(frozen=True)
class PinnedReasons:
    """The reason-code table an approval pins: its entry, version and the SHA-256 of its file."""

    entry: int
    version: str
    sha256: str


@dataclass(frozen=True)
class PinnedPolicy:
    """What an approval pins of the policy: the tier's rule and the segregation-of-duties
    settings (``Policy.pinned``); the rest of the policy may change without unsettling it."""

    tier: str
    requires: tuple[str, ...]
    revalidation_months: int
    owner_may_approve: bool
    registrant_may_approve: bool
    one_role_per_person: bool


@dataclass(frozen=True)
class ApprovalPins:
    """What a sign-off approved beyond the registration itself: the decision threshold, the
    narratives' entries, the reason-code table and the pinned policy settings. A null
    narrative or table means there was none when it was signed (docs/registry.md)."""

    threshold: str
    card_narrative: PinnedText | None
    validation_narrative: PinnedText | None
    reason_table: PinnedReasons | None
    policy: PinnedPolicy
    # the version's decision policy (score bands to actions) signed; absent: none was registered
    decision_policy: PinnedText | None = optional()


@dataclass(frozen=True)
class ApprovalStatement:
    """What a validator or approver signs (canonical JSON, SSHSIG): it pins the version's entry,
    artifact, code and data, the decision and role, the log state reviewed and (``pinned``,
    absent from statements written before approvals pinned it) what else the sign-off approved."""

    type: str
    log: str
    model: str
    model_entry: str
    artifact_sha256: str
    code_commit: str
    datasets: tuple[DatasetRef, ...]
    decision: str  # "approve", "reject" or "conditional"
    role: str
    signer: str
    conditions: str | None
    expires: str | None
    checkpoint: LogState
    pinned: ApprovalPins | None = optional()
    nonce: str | None = optional()  # random, so every statement is unique (absent before)

    def to_json(self) -> JSONObject:
        value: JSONObject = to_json(self)
        return value


@dataclass(frozen=True)
class ApprovalSigned(Record, kind="approval.signed", purpose="approval", action="approve"):
    subject: str
    statement: ApprovalStatement
    signature: str
    fingerprint: str

    def to_statement(self) -> JSONObject:
        """The signed statement (the signature is over its RFC 8785 bytes)."""
        return self.statement.to_json()
