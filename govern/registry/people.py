"""People and their keys (LEDGER.md, "Signatures of people")."""

from __future__ import annotations

from govern.ledger import Entry, Ledger
from govern.ledger.entry import now_ts
from govern.registry.sshsig import PublicKey

ROLES = ("developer", "validator", "approver", "auditor", "administrator")


def person_subject(name: str) -> str:
    return f"person:{name}"


def enroll_first_administrator(ledger: Ledger, name: str, key: PublicKey) -> Entry:
    """Entry 1: the administrator every later enrolment traces back to."""
    return ledger.append(
        "person.enrolled",
        {
            "subject": person_subject(name),
            "name": name,
            "roles": ["administrator"],
            "ssh_public_key": key.openssh(),
            "fingerprint": key.fingerprint(),
            "valid_from": now_ts(),
            "valid_until": None,
            "enrolled_by": None,
            "bootstrap": True,
        },
        actor=name,
    )
