"""Enrolments and revocations of people and their keys (docs/registry.md, "People")."""

from __future__ import annotations

from dataclasses import dataclass

from govern.records._codec import JSONObject, optional
from govern.records.base import Record


@dataclass(frozen=True)
class PersonEnrolled(Record, kind="person.enrolled", purpose="enrol", action="enrol"):
    """A person, their roles and OpenSSH key; signed by the administrator who enrolled them
    (the first administrator's enrolment, at init, is the unsigned ``bootstrap``)."""

    subject: str
    name: str
    roles: tuple[str, ...]
    ssh_public_key: str
    fingerprint: str
    valid_from: str
    valid_until: str | None
    enrolled_by: str | None
    log: str | None = optional()  # the origin; enrolments written before 0.1 do not name it
    bootstrap: bool | None = optional()
    # Dual control: a second administrator's SSHSIG over the same statement, for enrolments of
    # validators, approvers and administrators once the registry has two administrators.
    cosigned_by: str | None = optional()
    cosignature: str | None = optional()
    signature: str | None = optional()

    def to_statement(self) -> JSONObject:
        """What the enrolling administrator (and a co-signer) sign: the rest of the payload."""
        payload = super().to_statement()
        payload.pop("cosignature", None)
        return payload


@dataclass(frozen=True)
class PersonRevoked(Record, kind="person.revoked", purpose="revoke", action="revoke"):
    subject: str
    log: str
    name: str
    fingerprint: str
    reason: str
    revoked_by: str
    # A key revoked as compromised: signatures it made from log position ``compromised_from``
    # on stop counting (an approval made only by them no longer approves).
    compromised: bool | None = optional()
    compromised_from: int | None = optional()
    signature: str | None = optional()


@dataclass(frozen=True)
class KeyRotated(Record, kind="person.key_rotated", purpose="enrol"):
    """A person's new key. ``signature`` is by the key enrolled for the entry's actor: the
    person's old key, or, after a loss, an administrator's (the policy's ``rotate-key``);
    ``new_key_signature`` by the new key, which proves its holder has it."""

    subject: str
    log: str
    name: str
    old_fingerprint: str
    ssh_public_key: str
    fingerprint: str
    reason: str
    new_key_signature: str | None = optional()
    signature: str | None = optional()

    def to_statement(self) -> JSONObject:
        payload = super().to_statement()
        payload.pop("new_key_signature", None)
        return payload
