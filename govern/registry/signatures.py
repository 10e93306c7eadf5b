"""Re-checking every signed entry from the ledger alone (run by ``govern verify``).

Enrolments and revocations must be signed by an administrator enrolled before them; approvals and
deployment overrides by the person named, with the key enrolled for them when they signed, and an
approval must pin the model version's entry it is about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from govern.errors import SignatureInvalid
from govern.ledger import Entry
from govern.records import (
    ApprovalSigned,
    ModelDeployed,
    ModelRegistered,
    PersonEnrolled,
    PersonRevoked,
    read,
)
from govern.registry import signing

KINDS = (
    PersonEnrolled.KIND,
    PersonRevoked.KIND,
    ModelRegistered.KIND,
    ApprovalSigned.KIND,
    ModelDeployed.KIND,
)


def _fail(entry: Entry, why: str) -> SignatureInvalid:
    return SignatureInvalid(
        f"entry {entry.seq} ({entry.kind}) does not check out: {why}",
        hint="the ledger holds a signed statement that no longer verifies; investigate who "
        "wrote it",
    )


def check_signed_entries(entries: Iterable[Entry], origin: str) -> int:
    """Verify every signature in ``entries`` (in ledger order); return how many were checked."""
    keys: dict[str, PersonEnrolled] = {}  # name -> enrolment in force
    revoked: set[str] = set()
    model_leaf: dict[str, str] = {}
    checked = 0
    for e in entries:
        r = read(e)
        if isinstance(r, PersonEnrolled):
            if not r.bootstrap:
                _verify(
                    e,
                    r.to_statement(),
                    r.enrolled_by,
                    keys,
                    revoked,
                    "enrol",
                    origin,
                    role="administrator",
                    signature=r.signature,
                )
                checked += 1
            elif e.seq != 1:
                raise _fail(e, "only the first enrolment, at init, may be unsigned")
            keys[r.name] = r
            revoked.discard(r.name)
        elif isinstance(r, PersonRevoked):
            _verify(
                e,
                r.to_statement(),
                r.revoked_by,
                keys,
                revoked,
                "revoke",
                origin,
                role="administrator",
                signature=r.signature,
            )
            revoked.add(r.name)
            checked += 1
        elif isinstance(r, ModelRegistered):
            model_leaf[r.ref] = e.leaf.hex()
        elif isinstance(r, ApprovalSigned):
            st = r.statement
            if model_leaf.get(st.model) != st.model_entry:
                raise _fail(e, f"it approves an entry that is not {st.model}'s")
            _verify(
                e,
                r.to_statement(),
                st.signer,
                keys,
                revoked,
                "approval",
                origin,
                role=st.role,
                signature=r.signature,
            )
            checked += 1
        elif isinstance(r, ModelDeployed) and r.override is not None:
            o = r.override
            _verify(
                e,
                o.statement.to_json(),
                o.statement.signer,
                keys,
                revoked,
                "deployment",
                origin,
                role="approver",
                signature=o.signature,
            )
            checked += 1
    return checked


def _verify(
    e: Entry,
    statement: Mapping[str, Any],
    signer: str | None,
    keys: dict[str, PersonEnrolled],
    revoked: set[str],
    purpose: str,
    origin: str,
    *,
    role: str | None,
    signature: str | None,
) -> None:
    if signer is None or signer not in keys or signer in revoked:
        raise _fail(e, f"its signer {signer!r} was not an enrolled, unrevoked person then")
    enrolment = keys[signer]
    if role is not None and role not in enrolment.roles:
        raise _fail(e, f"{signer} was not enrolled as {role}")
    if not isinstance(signature, str):
        raise _fail(e, "it carries no signature")
    try:
        signing.verify(
            statement, signature, enrolment.ssh_public_key, signing.namespace(purpose, origin)
        )
    except SignatureInvalid as exc:
        raise _fail(e, exc.message) from exc
