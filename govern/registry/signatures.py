"""Re-checking every signed entry from the ledger alone (run by ``govern verify``).

Enrolments and revocations must be signed by an administrator enrolled before them; approvals and
deployment overrides by the person named, with the key enrolled for them when they signed, and an
approval must pin the model version's entry it is about.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from govern.errors import SignatureInvalid
from govern.ledger import Entry
from govern.registry import signing

KINDS = (
    "person.enrolled",
    "person.revoked",
    "model.registered",
    "approval.signed",
    "model.deployed",
)


def _fail(entry: Entry, why: str) -> SignatureInvalid:
    return SignatureInvalid(
        f"entry {entry.seq} ({entry.kind}) does not check out: {why}",
        hint="the ledger holds a signed statement that no longer verifies; investigate who "
        "wrote it",
    )


def check_signed_entries(entries: Iterable[Entry], origin: str) -> int:
    """Verify every signature in ``entries`` (in ledger order); return how many were checked."""
    keys: dict[str, dict[str, Any]] = {}  # name -> enrolment payload in force
    revoked: set[str] = set()
    model_leaf: dict[str, str] = {}
    checked = 0
    for e in entries:
        p = e.payload
        if e.kind == "person.enrolled":
            if not p.get("bootstrap"):
                admin = p.get("enrolled_by")
                _verify(e, p, admin, keys, revoked, "enrol", origin, role="administrator")
                checked += 1
            elif e.seq != 1:
                raise _fail(e, "only the first enrolment, at init, may be unsigned")
            keys[p["name"]] = p
            revoked.discard(p["name"])
        elif e.kind == "person.revoked":
            _verify(
                e, p, p.get("revoked_by"), keys, revoked, "revoke", origin, role="administrator"
            )
            revoked.add(p["name"])
            checked += 1
        elif e.kind == "model.registered":
            model_leaf[f"{p['name']}@{p['version']}"] = e.leaf.hex()
        elif e.kind == "approval.signed":
            st = p["statement"]
            if model_leaf.get(st.get("model")) != st.get("model_entry"):
                raise _fail(e, f"it approves an entry that is not {st.get('model')}'s")
            _verify(
                e,
                st,
                st.get("signer"),
                keys,
                revoked,
                "approval",
                origin,
                role=st.get("role"),
                signature=p.get("signature"),
            )
            checked += 1
        elif e.kind == "model.deployed" and p.get("override"):
            o = p["override"]
            _verify(
                e,
                o["statement"],
                o["statement"].get("signer"),
                keys,
                revoked,
                "deployment",
                origin,
                role="approver",
                signature=o.get("signature"),
            )
            checked += 1
    return checked


def _verify(
    e: Entry,
    statement: dict[str, Any],
    signer: str | None,
    keys: dict[str, dict[str, Any]],
    revoked: set[str],
    purpose: str,
    origin: str,
    *,
    role: str | None,
    signature: str | None = None,
) -> None:
    if signature is None:
        statement = dict(statement)
        signature = statement.pop("signature", None)
    if signer is None or signer not in keys or signer in revoked:
        raise _fail(e, f"its signer {signer!r} was not an enrolled, unrevoked person then")
    enrolment = keys[signer]
    if role is not None and role not in enrolment["roles"]:
        raise _fail(e, f"{signer} was not enrolled as {role}")
    if not isinstance(signature, str):
        raise _fail(e, "it carries no signature")
    try:
        signing.verify(
            statement, signature, enrolment["ssh_public_key"], signing.namespace(purpose, origin)
        )
    except SignatureInvalid as exc:
        raise _fail(e, exc.message) from exc
