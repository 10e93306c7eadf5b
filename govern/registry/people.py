"""People and their keys (docs/ledger-format.md, "Signatures of people").

A person is enrolled by an entry carrying their name, roles, OpenSSH public key and validity
window, signed by an administrator enrolled before them (the first one at ``govern init``).
Revoking is an entry too; nothing is ever rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.errors import BadInput, Conflict, NotFound, PolicyViolation, SignatureInvalid
from govern.ledger import Entry, Ledger
from govern.ledger.entry import now_ts
from govern.ledger.jcs import loads_strict
from govern.records import KeyRotated, PersonEnrolled, PersonRevoked, subjects
from govern.registry import projections as proj
from govern.registry import signing, trusted
from govern.registry.entities import Person
from govern.registry.identity import SIGN_HINT, KeySigner, load_signer
from govern.registry.policy import DUAL_CONTROL, PEOPLE_ROLES
from govern.registry.refs import check_name
from govern.registry.sshsig import PublicKey, parse_public_key
from govern.registry.statements import write_statement

if TYPE_CHECKING:
    from govern.registry.core import Registry

ROLES = PEOPLE_ROLES


def enroll_first_administrator(
    ledger: Ledger, name: str, key: PublicKey, signer: KeySigner
) -> Entry:
    """Entry 1: the administrator every later enrolment traces back to (written at init),
    signed with that administrator's own key: the root of trust."""
    if signer.fingerprint != key.fingerprint():
        raise BadInput("the first administrator's enrolment must be signed with their own key")
    record = replace(
        _enrolment(ledger.origin, name, ["administrator"], key, now_ts(), None, None),
        bootstrap=True,
    )
    ns = signing.namespace("enrol", ledger.origin)
    signature = signer.sign(signing.statement_bytes(record.to_statement()), ns)
    return ledger.append(record.KIND, replace(record, signature=signature).to_payload(), actor=name)


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
    rows = trusted.rows(reg, proj.people, name=name)
    if not rows:
        raise NotFound(
            f"{name} is not enrolled in this registry",
            hint="an administrator enrols people with `govern people add NAME --role ROLE "
            "--ssh-key FILE.pub`",
        )
    return _person(rows[0])


def everyone(reg: Registry) -> list[Person]:
    """Every person ever enrolled, by name."""
    return [_person(r) for r in trusted.rows(reg, proj.people)]


def by_fingerprint(reg: Registry, fingerprint: str) -> Person | None:
    """The person enrolled with the key of ``fingerprint`` now, if any (one key, one person)."""
    rows = trusted.rows(reg, proj.people, fingerprint=fingerprint)
    return _person(rows[0]) if rows else None


def identify(reg: Registry, signer: KeySigner, *, claimed: str | None = None) -> Person:
    """The enrolled person whose key ``signer`` holds; ``claimed`` (``--as``) must be them."""
    person = by_fingerprint(reg, signer.fingerprint)
    if person is None:
        replaced = _replaced(reg, signer.fingerprint)
        if replaced is not None:
            name, seq = replaced
            raise PolicyViolation(
                f"the key {signer.fingerprint} was {name}'s until it was replaced (entry {seq}); "
                "it signs nothing now",
                hint=f"sign with {name}'s current key",
            )
        raise PolicyViolation(
            f"the key {signer.fingerprint} is not enrolled for anyone in this registry",
            hint="an administrator enrols people with `govern people add NAME --role ROLE "
            "--ssh-key FILE.pub`",
        )
    if claimed is not None and claimed != person.name:
        raise PolicyViolation(
            f"the key {signer.fingerprint} is {person.name}'s, not {claimed}'s: one cannot act "
            "in another person's name",
            hint=f"sign with {claimed}'s own key, or drop --as",
        )
    return person


def _replaced(reg: Registry, fingerprint: str) -> tuple[str, int] | None:
    """Whose key ``fingerprint`` was, and the entry that replaced it, if it was rotated out."""
    for entry, r in trusted.view(reg).rotations:
        if r.old_fingerprint == fingerprint:
            return r.name, entry.seq
    return None


def check_active(person: Person, at: str) -> None:
    """Refuse a person whose key is revoked or expired, or not valid yet, at ``at``."""
    if person.revoked_at is not None and person.revoked_at <= at:
        raise PolicyViolation(
            f"{person.name}'s key was revoked on {person.revoked_at[:10]}; they can no longer sign",
            hint="an administrator can enrol them again with a new key",
        )
    if person.valid_until is not None and person.valid_until < at:
        raise PolicyViolation(
            f"{person.name}'s key expired on {person.valid_until[:10]}; they can no longer sign",
            hint="an administrator can enrol them again with a new validity window",
        )


def require_active(reg: Registry, name: str, role: str, at: str | None = None) -> Person:
    """The person's row, if they hold ``role`` with a key valid (not revoked, not expired)."""
    row = person(reg, name)
    check_active(row, at or now_ts())
    if role not in row.roles:
        raise PolicyViolation(
            f"{name} is not enrolled as {role} (their roles: {', '.join(row.roles)})",
        )
    return row


def _signer(reg: Registry, key: Path | KeySigner | None) -> KeySigner:
    if key is None:
        if reg.signer is None:
            raise PolicyViolation("this must be signed by an administrator", hint=SIGN_HINT)
        return reg.signer
    return key if isinstance(key, KeySigner) else load_signer(Path(key))


def administrators(reg: Registry, at: str | None = None) -> list[Person]:
    """The administrators whose keys are valid at ``at`` (now by default)."""
    at = at or now_ts()
    out = []
    for p in everyone(reg):
        if "administrator" not in p.roles:
            continue
        try:
            check_active(p, at)
        except PolicyViolation:
            continue
        out.append(p)
    return out


def needs_cosigner(reg: Registry, roles: Sequence[str]) -> bool:
    """Whether enrolling ``roles`` needs a second administrator's co-signature now."""
    return bool(set(roles) & set(DUAL_CONTROL)) and len(administrators(reg)) >= 2


def enroll(
    reg: Registry,
    name: str,
    roles: Sequence[str],
    public_key: str,
    *,
    admin: str | None = None,
    admin_key: Path | KeySigner | None = None,
    signature: str | None = None,
    statement: Mapping[str, Any] | None = None,
    cosigner: str | None = None,
    cosigner_key: Path | KeySigner | None = None,
    cosignature: str | None = None,
    valid_until: str | None = None,
) -> Entry:
    """Enrol a person or service, signed by an active administrator: their key (the
    registry's signer by default), or ``admin`` and a ``signature`` made elsewhere over
    ``enrolment_statement`` (``statement``, exactly as it was signed). Enrolling a validator,
    approver or administrator once the registry has two administrators also needs a second one's
    co-signature (``cosigner``)."""
    check_name(name, "person")
    roles = check_roles(roles)
    if reg.presigned is not None and signature is None:  # the second of the two steps
        signed, reg.presigned = reg.presigned, None
        loaded = loads_strict(signed.statement)
        if not isinstance(loaded, dict):
            raise SignatureInvalid(f"{signed.path} is not an enrolment statement")
        statement, signature = loaded, signed.signature
        admin = admin or str(loaded.get("enrolled_by"))
    if reg.statement_out is not None:  # the first of the two steps
        admin = admin or reg.claimed or reg.actor
        written = enrolment_statement(
            reg, name, roles, public_key, admin, valid_until, cosigned_by=cosigner
        )
        write_statement(
            reg.statement_out,
            signing.statement_bytes(written),
            PersonEnrolled.KIND,
            signing.namespace("enrol", reg.origin),
        )
    if signature is None:
        signer = _signer(reg, admin_key)
        acting = identify(reg, signer, claimed=admin)
        admin = acting.name
    elif admin is None or statement is None:
        raise BadInput(
            "a signature made elsewhere needs the statement it signs and the administrator who "
            "made it"
        )
    co_signer = None
    if cosignature is None and cosigner_key is not None:
        co_signer = _signer(reg, cosigner_key)
        cosigner = identify(reg, co_signer, claimed=cosigner).name
    if needs_cosigner(reg, roles):
        if cosigner is None:
            raise PolicyViolation(
                f"enrolling {name} as {', '.join(roles)} needs a second administrator: the "
                "registry has two or more, and one may not enrol such a role alone",
                hint="have another administrator co-sign (--cosign-with KEY)",
            )
        if cosigner == admin:
            raise PolicyViolation(
                f"{admin} cannot co-sign their own enrolment of {name}: dual control needs a "
                "second administrator"
            )
    if statement is None:
        statement = enrolment_statement(
            reg, name, roles, public_key, admin, valid_until, cosigned_by=cosigner
        )
    else:
        statement = dict(statement)
        expected = {"name": name, "roles": roles, "enrolled_by": admin}
        given = {k: statement.get(k) for k in expected}
        if (
            given != expected
            or statement.get("ssh_public_key") != parse_public_key(public_key).openssh()
        ):
            raise SignatureInvalid(
                f"the statement is not the enrolment of {name} as {', '.join(roles)} by {admin}"
            )
    ns = signing.namespace("enrol", reg.origin)
    if signature is None:
        signature = signer.sign(signing.statement_bytes(statement), ns)
    if cosigner is not None:
        co = require_active(reg, cosigner, "administrator")
        if cosignature is None:
            if co_signer is None:
                raise BadInput(f"{cosigner}'s co-signature is missing", hint="--cosign-with KEY")
            cosignature = co_signer.sign(signing.statement_bytes(statement), ns)
        try:
            signing.verify(statement, cosignature, co.public_key, ns)
        except SignatureInvalid as exc:
            raise SignatureInvalid(
                f"{cosigner}'s co-signature does not verify: {exc.message}"
            ) from exc
    payload = {**statement, "signature": signature}
    if cosignature is not None:
        payload["cosignature"] = cosignature
    return reg.record(PersonEnrolled.from_payload(payload), actor=admin)


def enrolment_statement(
    reg: Registry,
    name: str,
    roles: Sequence[str],
    public_key: str,
    admin: str,
    valid_until: str | None = None,
    *,
    cosigned_by: str | None = None,
) -> dict[str, Any]:
    """What the enrolling administrator (and a co-signer) sign."""
    key = parse_public_key(public_key)
    holder = by_fingerprint(reg, key.fingerprint())
    if holder is not None and holder.name != name:
        raise Conflict(
            f"the key {key.fingerprint()} is already enrolled for {holder.name}: one key, one "
            "person",
            hint=f"{name} needs a key of their own (`govern keys new {name}`)",
        )
    record = _enrolment(reg.origin, name, check_roles(roles), key, now_ts(), valid_until, admin)
    return replace(record, cosigned_by=cosigned_by).to_statement()


def revoke(
    reg: Registry,
    name: str,
    *,
    reason: str,
    admin: str | None = None,
    admin_key: Path | KeySigner | None = None,
    signature: str | None = None,
    compromised: bool = False,
    compromised_from: int | None = None,
) -> Entry:
    """Revoke a person's key, signed by an administrator. A key revoked as ``compromised``
    stops counting for the signatures it made from log position ``compromised_from`` on."""
    row = person(reg, name)
    if row.revoked_at is not None:
        raise BadInput(f"{name}'s key is already revoked")
    if compromised_from is not None and not compromised:
        raise BadInput("a position from which signatures stop counting needs --compromised")
    if compromised and compromised_from is None:
        compromised_from = row.seq  # every signature the key made since it was enrolled
    if compromised_from is not None and not 0 <= compromised_from <= reg.ledger.size:
        raise BadInput(f"position {compromised_from} is not in this log")
    if signature is None:
        signer = _signer(reg, admin_key)
        admin = identify(reg, signer, claimed=admin).name
    elif admin is None:
        raise BadInput("a signature made elsewhere needs the name of the administrator who made it")
    record = PersonRevoked(
        subject=subjects.person(name),
        log=reg.origin,
        name=name,
        fingerprint=row.fingerprint,
        reason=reason,
        revoked_by=admin,
        compromised=True if compromised else None,
        compromised_from=compromised_from,
    )
    if signature is None:
        signature = signer.sign(
            signing.statement_bytes(record.to_statement()), signing.namespace("revoke", reg.origin)
        )
    return reg.record(replace(record, signature=signature), actor=admin)


def rotate(
    reg: Registry,
    name: str,
    new_key: Path | KeySigner,
    *,
    reason: str,
    key: Path | KeySigner | None = None,
) -> Entry:
    """Replace ``name``'s key with ``new_key``: signed with the key enrolled for the actor
    (``key``, else the registry's): ``name``'s own old key, or an administrator's after a loss;
    and with the new key, which proves its holder has it."""
    if not reason.strip():
        raise BadInput("say why the key is replaced (rotation, loss, ...)")
    old = person(reg, name)
    check_active(old, now_ts())
    signer = _signer(reg, key)
    actor = identify(reg, signer, claimed=reg.claimed)
    if actor.name != name:
        policy = reg.policy()
        if not policy.allows(actor.roles, "rotate-key"):
            raise PolicyViolation(
                f"{actor.name} may not replace {name}'s key: only {name} (with their old key) or "
                "an administrator after a loss may",
            )
    fresh = new_key if isinstance(new_key, KeySigner) else load_signer(Path(new_key))
    if fresh.fingerprint == old.fingerprint:
        raise BadInput(f"that is {name}'s key already")
    holder = by_fingerprint(reg, fresh.fingerprint)
    if holder is not None:
        raise Conflict(f"the new key is already enrolled for {holder.name}: one key, one person")
    record = KeyRotated(
        subject=subjects.person(name),
        log=reg.origin,
        name=name,
        old_fingerprint=old.fingerprint,
        ssh_public_key=fresh.public.openssh(),
        fingerprint=fresh.fingerprint,
        reason=reason,
    )
    statement = signing.statement_bytes(record.to_statement())
    ns = signing.namespace("enrol", reg.origin)
    signed = replace(
        record,
        new_key_signature=fresh.sign(statement, ns),
        signature=signer.sign(statement, ns),
    )
    return reg.record(signed, actor=actor.name)


def compromised(reg: Registry) -> dict[str, int]:
    """Fingerprint -> the log position from which that key's signatures stop counting, for every
    key revoked as compromised."""
    out: dict[str, int] = {}
    for _entry, r in trusted.view(reg).revocations:
        if r.compromised and r.compromised_from is not None:
            out[r.fingerprint] = min(out.get(r.fingerprint, r.compromised_from), r.compromised_from)
    return out
