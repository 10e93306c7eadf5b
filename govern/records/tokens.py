"""Bearer tokens for govern's HTTP services, and the signed result of a verification
(docs/serving.md, "Tokens"; docs/records.md)."""

from __future__ import annotations

from dataclasses import dataclass

from govern.records._codec import optional
from govern.records.base import Record


@dataclass(frozen=True)
class TokenIssued(Record, kind="token.issued", purpose="token", action="enrol"):
    """A bearer token issued to an enrolled person or service, held only as its SHA-256: the
    ledger decides who gets in, never a table. ``scope`` is ``decide`` (post decisions) or
    ``read`` (the auditor's routes)."""

    subject: str  # token:ID
    token: str  # the token's public id (the part before the dot)
    person: str
    scope: str
    sha256: str  # SHA-256 of the whole token text, hex
    issued_by: str
    expires: str | None = optional()
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)


@dataclass(frozen=True)
class TokenRevoked(Record, kind="token.revoked", purpose="token", action="revoke"):
    subject: str  # token:ID
    token: str
    reason: str
    revoked_by: str
    signature: str | None = optional()


@dataclass(frozen=True)
class VerifyCompleted(
    Record, kind="verify.completed", purpose="verification", action="record-verification"
):
    """What one `govern verify --record` found: the ledger's size and root it checked, whether
    every check passed, and the exit code it gave."""

    subject: str  # "verify"
    size: int
    root: str  # hex
    ok: bool
    code: int
    problems: tuple[str, ...]
    signature: str | None = optional()
