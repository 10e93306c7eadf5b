"""Approvals: signed statements by a validator or an approver about one model version.

The statement (canonical JSON) names the model version's entry hash, its artifact, code commit
and dataset digests, the decision, the role, conditions, expiry, the checkpoint (size, root)
the signer reviewed, and what else it approved (``pinned``: the threshold, the narratives'
entries, the reason-code table and the tier's policy settings, ``pins.py``). It is signed
with the signer's enrolled OpenSSH key (SSHSIG, namespace ``approval@<origin host>``), either
here or on the officer's own workstation
(``govern approval statement`` / ``ssh-keygen -Y sign`` / ``govern approval submit``).
Everything is checked when it is appended and again by ``govern verify``.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.errors import (
    BadInput,
    EntryMalformed,
    PolicyViolation,
    SignatureInvalid,
    StatementReplayed,
)
from govern.ledger import Entry
from govern.ledger.entry import now_ts
from govern.ledger.jcs import loads_strict
from govern.records import (
    APPROVAL_TYPE,
    ApprovalSigned,
    ApprovalStatement,
    LogState,
    from_json,
    subjects,
)
from govern.registry import authority, findings, models, people, pins, signing, trusted
from govern.registry import projections as proj
from govern.registry.dates import parse_date
from govern.registry.entities import Person, SignedApproval
from govern.registry.identity import KeySigner
from govern.registry.statements import write_statement

if TYPE_CHECKING:
    from govern.registry.core import Registry

DECISIONS = ("approve", "reject", "conditional")
ROLES = ("validator", "approver")
TYPE = APPROVAL_TYPE


def statement(
    reg: Registry,
    ref: str,
    *,
    decision: str,
    role: str,
    signer: str,
    conditions: str | None = None,
    expires: str | None = None,
) -> ApprovalStatement:
    """The statement a signer signs; it pins the version, its evidence and the log's state."""
    if decision not in DECISIONS:
        raise BadInput(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
    if role not in ROLES:
        raise BadInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    if decision == "conditional" and not (conditions or "").strip():
        raise BadInput("a conditional approval must state its conditions (--conditions)")
    mv = models.resolve(reg, ref)
    head = reg.ledger.head()
    return ApprovalStatement(
        type=TYPE,
        log=reg.origin,
        model=mv.ref,
        model_entry=mv.leaf,
        artifact_sha256=mv.artifact.sha256,
        code_commit=mv.record.code.commit,
        datasets=mv.record.datasets,
        decision=decision,
        role=role,
        signer=signer,
        conditions=conditions,
        expires=parse_date(expires) if expires else None,
        checkpoint=LogState(size=head.size, root=base64.b64encode(head.root).decode()),
        pinned=pins.current(reg, mv),
        nonce=secrets.token_hex(16),
    )


def read_statement(data: Mapping[str, Any] | ApprovalStatement) -> ApprovalStatement:
    """A statement as given (a parsed statement file, or typed); SignatureInvalid if it is not
    one."""
    if isinstance(data, ApprovalStatement):
        return data
    try:
        return from_json(ApprovalStatement, dict(data), what="approval statement")
    except EntryMalformed as exc:
        raise SignatureInvalid(
            f"this is not an approval statement: {exc.message}",
            hint="create one with `govern approval statement`",
        ) from None


def check(
    reg: Registry,
    statement_: Mapping[str, Any] | ApprovalStatement,
    signature: str,
    *,
    at: str | None = None,
) -> Person:
    """Every rule an approval must pass; returns the signer."""
    at = at or now_ts()
    st = read_statement(statement_)
    if st.type != TYPE or st.log != reg.origin:
        raise SignatureInvalid("this is not an approval statement for this registry")
    row = models.resolve(reg, st.model)
    expected = {
        "model entry": (st.model_entry, row.leaf),
        "artifact sha256": (st.artifact_sha256, row.artifact.sha256),
        "code commit": (st.code_commit, row.record.code.commit),
        "datasets": (st.datasets, row.record.datasets),
    }
    for what, (given_, actual) in expected.items():
        if given_ != actual:
            raise SignatureInvalid(
                f"the statement's {what} is not that of {st.model}: it was "
                "signed for different evidence",
                hint="create a fresh statement with `govern approval statement`",
            )
    if st.pinned is None:
        raise SignatureInvalid(
            f"the statement does not pin the narratives, reason-code table and policy settings "
            f"of {st.model} (it was written by an older govern)",
            hint="create a fresh statement with `govern approval statement`",
        )
    moved = pins.changes(reg, row, st.pinned)
    if moved:
        raise SignatureInvalid(
            f"the statement was written for other evidence than {st.model} has now: "
            f"{moved[0].detail}",
            hint="create a fresh statement with `govern approval statement`",
        )
    role, signer = st.role, st.signer
    person = people.require_active(reg, signer, role, at)
    try:
        signing.verify(st, signature, person.public_key, signing.namespace("approval", reg.origin))
    except SignatureInvalid as exc:
        raise SignatureInvalid(
            f"{signer}'s approval signature does not verify: {exc.message}"
        ) from exc
    _refuse_replay(reg, st)
    size, root = st.checkpoint.size, st.checkpoint.root
    if size < 1 or size > reg.ledger.size:
        raise SignatureInvalid("the statement names a log state this log never had")
    if base64.b64encode(reg.ledger.root_at(size)).decode() != root:
        raise SignatureInvalid(
            f"the checkpoint the signer reviewed (size {size}) is not this log's state at that size"
        )
    policy = reg.policy(at)
    if not policy.owner_may_approve and signer == row.owner:
        raise PolicyViolation(
            f"{signer} owns {st.model} and may not approve it (segregation of duties)"
        )
    if not policy.registrant_may_approve and signer == row.registered_by:
        raise PolicyViolation(
            f"{signer} registered {st.model} and may not approve it (segregation of duties)"
        )
    if policy.one_role_per_person:
        other = trusted.rows(
            reg,
            proj.approvals,
            keep=lambda r: r.signer == signer and r.role != role,
            model=st.model,
        )
        if other:
            raise PolicyViolation(
                f"{signer} already signed {st.model} as {other[0].role}; one person may not "
                "sign both roles (segregation of duties)"
            )
    if st.decision in ("approve", "conditional"):
        blocking = [
            f
            for f in findings.open_findings(reg, st.model)
            if f.severity in policy.blocking_severities
        ]
        if blocking:
            raise PolicyViolation(
                f"{st.model} has an open {blocking[0].severity}-severity finding "
                f"(#{blocking[0].number}: {blocking[0].text}); it must be closed before approval"
            )
        if st.expires is not None and st.expires <= at:
            raise BadInput("the approval's expiry date is already past")
    return person


def _refuse_replay(reg: Registry, st: ApprovalStatement) -> None:
    """Refuse a statement already recorded, or one that reviewed a log state no later than the
    same person's latest recorded decision on the version: decisions are ordered by the log
    state they reviewed, never by when they were submitted (docs/registry.md, "Approvals").
    Read from the ledger's own entries, not the approvals table."""
    found = reg.ledger.checked(subject=subjects.approval(st.model), kinds=[ApprovalSigned.KIND])
    for entry in reversed(found):
        prior = ApprovalSigned.from_entry(entry).statement
        if prior.signer != st.signer or prior.model != st.model:
            continue
        if prior == st:
            raise StatementReplayed(
                f"this statement by {st.signer} on {st.model} is already recorded (entry "
                f"{entry.seq}); a signed statement counts once",
                hint="to decide again, create a fresh statement with `govern approval statement`",
            )
        if st.checkpoint.size <= prior.checkpoint.size:
            raise StatementReplayed(
                f"this statement by {st.signer} reviewed the log at size {st.checkpoint.size}, "
                f"no later than their {prior.decision} of {st.model} in entry {entry.seq} (which "
                f"reviewed size {prior.checkpoint.size}); an older review cannot undo a later "
                "decision",
                hint="create a fresh statement with `govern approval statement`",
            )


def submit(
    reg: Registry, statement_: Mapping[str, Any] | ApprovalStatement, signature: str
) -> Entry:
    """Check and append a signed approval statement."""
    st = read_statement(statement_)
    person = check(reg, st, signature)
    return reg.record(
        ApprovalSigned(
            subject=subjects.approval(st.model),
            statement=st,
            signature=signature,
            fingerprint=person.fingerprint,
        ),
        actor=st.signer,
    )


def signed(reg: Registry, model: str) -> list[SignedApproval]:
    """Every approval signed for ``model`` (``NAME@V``), in ledger order."""
    rows = trusted.rows(reg, proj.approvals, model=model)
    return [
        SignedApproval(
            entry=r.seq,
            model=r.model,
            role=r.role,
            decision=r.decision,
            signer=r.signer,
            fingerprint=r.fingerprint,
            signed_at=r.signed_at,
            expires=r.expires,
            conditions=r.conditions,
        )
        for r in rows
    ]


def approve(
    reg: Registry,
    ref: str,
    *,
    decision: str,
    role: str,
    key: Path | KeySigner | None = None,
    conditions: str | None = None,
    expires: str | None = None,
) -> Entry:
    """Build the statement, sign it with the acting person's key (``key``, else the registry's
    signer), check and append it."""
    ns = signing.namespace("approval", reg.origin)
    if reg.statement_out is not None or reg.presigned is not None:
        # the two steps: the statement is signed on the officer's own workstation
        name = reg.claimed or reg.actor
        if reg.statement_out is not None:
            st = statement(
                reg,
                ref,
                decision=decision,
                role=role,
                signer=name,
                conditions=conditions,
                expires=expires,
            )
            write_statement(reg.statement_out, signing.statement_bytes(st), ApprovalSigned.KIND, ns)
        signed, reg.presigned = reg.presigned, None
        assert signed is not None
        try:
            st_data = loads_strict(signed.statement)
        except BadInput as exc:
            raise SignatureInvalid(f"{signed.path} is not an approval statement: {exc}") from None
        if not isinstance(st_data, dict):
            raise SignatureInvalid(f"{signed.path} is not an approval statement")
        return submit(reg, st_data, signed.signature)
    signer, person = authority.acting(reg, key)
    st = statement(
        reg,
        ref,
        decision=decision,
        role=role,
        signer=person.name,
        conditions=conditions,
        expires=expires,
    )
    people.require_active(reg, person.name, role)
    signature = signer.sign(signing.statement_bytes(st), ns)
    return submit(reg, st, signature)
