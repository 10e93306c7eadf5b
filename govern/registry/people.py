"""People and their keys (docs/ledger-format.md, "Signatures of people").

A person is enrolled by an entry carrying their name, roles, OpenSSH public key and validity
window, signed by an administrator enrolled before them (the first one at ``govern init``).
Revoking is an entry too; nothing is ever rewritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.errors import BadInput, NotFound, PolicyViolation, SignatureInvalid
from govern.ledger import Entry, Ledger
from govern.ledger.entry import now_ts
from govern.records import PersonEnrolled, PersonRevoked, Record, subjects
from govern.registry import projections as proj
from govern.registry import signing
from govern.registry.entities import Person
from govern.registry.refs import check_name
from govern.registry.sshsig import PublicKey, parse_public_key

if TYPE_CHECKING:
    from govern.registry.core import Registry

ROLES = ("developer", "validator", "approver", "auditor", "administrator")


def enroll_first_administrator(ledger: Ledger, name: str, key: PublicKey) -> Entry:
    """Entry 1: the administrator every later enrolment traces back to (written at init)."""
    record = _enrolment(ledger.origin, name, ["administrator"], key, now_ts(), None, None)
    return ledger.append(record.KIND, replace(record, bootstrap=True).to_payload(), actor=name)


def _enrolment(
    origin: str,
    name: str,
    roles: Sequence[str],
    key: PublicKey,
    valid_from: str,
    valid_until: str | None,
    enrolled_by: str | None,
) -> PersonEnrolled:
    return PersonEnrolled(
        subject=subjects.person(name),
        log=origin,
        name=name,
        roles=tuple(sorted(roles)),
        ssh_public_key=key.openssh(),
        fingerprint=key.fingerprint(),
        valid_from=valid_from,
        valid_until=valid_until,
        enrolled_by=enrolled_by,
    )


def check_roles(roles: Sequence[str]) -> list[str]:
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise BadInput(
            f"unknown role {bad[0]!r}" if bad else "a person needs at least one role",
            hint=f"roles are: {', '.join(ROLES)}",
        )
    return sorted(set(roles))


def _person(row: Any) -> Person:
    return Person(
        name=row.name,
        roles=tuple(row.roles.split(",")),
        public_key=row.public_key,
        fingerprint=row.fingerprint,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        revoked_at=row.revoked_at,
        seq=row.seq,
    )


def person(reg: Registry, name: str) -> Person:
    rows = reg.rows(proj.people, proj.people.c.name == name)
    if not rows:
        raise NotFound(
            f"{name} is not enrolled in this registry",
            hint="an administrator enrols people with `govern people add NAME --role ROLE "
            "--ssh-key FILE.pub`",
        )
    return _person(rows[0])


def everyone(reg: Registry) -> list[Person]:
    """Every person ever enrolled, by name."""
    return [_person(r) for r in reg.rows(proj.people, order=proj.people.c.name)]


def require_active(reg: Registry, name: str, role: str, at: str | None = None) -> Person:
    """The person's row, if they hold ``role`` with a key valid (not revoked, not expired)."""
    row = person(reg, name)
    at = at or now_ts()
    if row.revoked_at is not None and row.revoked_at <= at:
        raise PolicyViolation(
            f"{name}'s key was revoked on {row.revoked_at[:10]}; they can no longer sign",
            hint="an administrator can enrol them again with a new key",
        )
    if row.valid_until is not None and row.valid_until < at:
        raise PolicyViolation(
            f"{name}'s key expired on {row.valid_until[:10]}; they can no longer sign",
            hint="an administrator can enrol them again with a new validity window",
        )
    if role not in row.roles:
        raise PolicyViolation(
            f"{name} is not enrolled as {role} (their roles: {', '.join(row.roles)})",
        )
    return row


def enroll(
    reg: Registry,
    name: str,
    roles: Sequence[str],
    public_key: str,
    *,
    admin: str,
    admin_key: Path | None = None,
    signature: str | None = None,
    valid_until: str | None = None,
) -> Entry:
    """Enrol a person, signed by an active administrator (their key file, or a signature made
    elsewhere over ``enrolment_statement``)."""
    check_name(name, "person")
    statement = enrolment_statement(reg, name, roles, public_key, admin, valid_until)
    return _signed(reg, statement, admin, admin_key, signature, "enrol")


def enrolment_statement(
    reg: Registry,
    name: str,
    roles: Sequence[str],
    public_key: str,
    admin: str,
    valid_until: str | None = None,
) -> dict[str, Any]:
    key = parse_public_key(public_key)
    record = _enrolment(reg.origin, name, check_roles(roles), key, now_ts(), valid_until, admin)
    return record.to_statement()


def revoke(
    reg: Registry,
    name: str,
    *,
    reason: str,
    admin: str,
    admin_key: Path | None = None,
    signature: str | None = None,
) -> Entry:
    row = person(reg, name)
    if row.revoked_at is not None:
        raise BadInput(f"{name}'s key is already revoked")
    record = PersonRevoked(
        subject=subjects.person(name),
        log=reg.origin,
        name=name,
        fingerprint=row.fingerprint,
        reason=reason,
        revoked_by=admin,
    )
    return _signed(reg, record.to_statement(), admin, admin_key, signature, "revoke")


_PURPOSES: dict[str, type[PersonEnrolled | PersonRevoked]] = {
    "enrol": PersonEnrolled,
    "revoke": PersonRevoked,
}


def _signed(
    reg: Registry,
    statement: dict[str, Any],
    admin: str,
    admin_key: Path | None,
    signature: str | None,
    purpose: str,
) -> Entry:
    kind = _PURPOSES[purpose]
    row = require_active(reg, admin, "administrator")
    ns = signing.namespace(purpose, reg.origin)
    if signature is None:
        if admin_key is None:
            raise BadInput(
                f"{kind.KIND} must be signed by an administrator",
                hint="pass --sign-with KEY (your SSH private key, or key.pub with ssh-agent)",
            )
        signature = signing.sign(statement, admin_key, ns)
    try:
        signing.verify(statement, signature, row.public_key, ns)
    except SignatureInvalid as exc:
        raise SignatureInvalid(f"{admin}'s signature does not verify: {exc.message}") from exc
    record: Record = kind.from_payload({**statement, "signature": signature})
    return reg.record(record, actor=admin)
