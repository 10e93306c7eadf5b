"""Enrolments and revocations of people and their keys (docs/registry.md, "People")."""

from __future__ import annotations

from dataclasses import dataclass

from govern.records._codec import optional
from govern.records.base import Record


@dataclass(frozen=True)
class PersonEnrolled(Record, kind="person.enrolled"):
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
    signature: str | None = optional()


@dataclass(frozen=True)
class PersonRevoked(Record, kind="person.revoked"):
    subject: str
    log: str
    name: str
    fingerprint: str
    reason: str
    revoked_by: str
    signature: str | None = optional()
