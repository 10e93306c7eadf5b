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
class ApprovalStatement:
    """What a validator or approver signs (canonical JSON, SSHSIG): it pins the version's entry,
    artifact, code and data, the decision and role, and the log state reviewed."""

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
