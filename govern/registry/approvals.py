"""Approvals: signed statements by a validator or an approver about one model version.

The statement (canonical JSON) names the model version's entry hash, its artifact, code commit
and dataset digests, the decision, the role, conditions, expiry and the checkpoint (size, root)
the signer reviewed. It is signed with the signer's enrolled OpenSSH key (SSHSIG, namespace
``approval@<origin host>``), either here or on the officer's own workstation
(``govern approval statement`` / ``ssh-keygen -Y sign`` / ``govern approval submit``).
Everything is checked when it is appended and again by ``govern verify``.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.errors import BadInput, PolicyViolation, SignatureInvalid
from govern.ledger import Entry
from govern.ledger.entry import now_ts
from govern.registry import findings, models, people, signing
from govern.registry import projections as proj
from govern.registry.dates import parse_date

if TYPE_CHECKING:
    from govern.registry.core import Registry

DECISIONS = ("approve", "reject", "conditional")
ROLES = ("validator", "approver")
TYPE = "govern.approval/v1"


def statement(
    reg: Registry,
    ref: str,
    *,
    decision: str,
    role: str,
    signer: str,
    conditions: str | None = None,
    expires: str | None = None,
) -> dict[str, Any]:
    """The statement a signer signs; it pins the version, its evidence and the log's state."""
    if decision not in DECISIONS:
        raise BadInput(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
    if role not in ROLES:
        raise BadInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    if decision == "conditional" and not (conditions or "").strip():
        raise BadInput("a conditional approval must state its conditions (--conditions)")
    row = models.resolve(reg, ref)
    p = reg.entry(row.seq).payload
    head = reg.ledger.head()
    return {
        "type": TYPE,
        "log": reg.origin,
        "model": f"{row.name}@{row.version}",
        "model_entry": row.leaf,
        "artifact_sha256": p["artifact"]["sha256"],
        "code_commit": p["code"]["commit"],
        "datasets": [*p["training_data"], *p["validation_data"]],
        "decision": decision,
        "role": role,
        "signer": signer,
        "conditions": conditions,
        "expires": parse_date(expires) if expires else None,
        "checkpoint": {"size": head.size, "root": base64.b64encode(head.root).decode()},
    }


def check(reg: Registry, st: dict[str, Any], signature: str, *, at: str | None = None) -> Any:
    """Every rule an approval must pass; returns the signer's person row."""
    at = at or now_ts()
    if st.get("type") != TYPE or st.get("log") != reg.origin:
        raise SignatureInvalid("this is not an approval statement for this registry")
    row = models.resolve(reg, st["model"])
    p = reg.entry(row.seq).payload
    expected = {
        "model_entry": row.leaf,
        "artifact_sha256": p["artifact"]["sha256"],
        "code_commit": p["code"]["commit"],
        "datasets": [*p["training_data"], *p["validation_data"]],
    }
    for key, value in expected.items():
        if st.get(key) != value:
            raise SignatureInvalid(
                f"the statement's {key.replace('_', ' ')} is not that of {st['model']}: it was "
                "signed for different evidence",
                hint="create a fresh statement with `govern approval statement`",
            )
    role, signer = st["role"], st["signer"]
    person = people.require_active(reg, signer, role, at)
    try:
        signing.verify(st, signature, person.public_key, signing.namespace("approval", reg.origin))
    except SignatureInvalid as exc:
        raise SignatureInvalid(
            f"{signer}'s approval signature does not verify: {exc.message}"
        ) from exc
    size, root = st["checkpoint"]["size"], st["checkpoint"]["root"]
    if not isinstance(size, int) or size < 1 or size > reg.ledger.size:
        raise SignatureInvalid("the statement names a log state this log never had")
    if base64.b64encode(reg.ledger.root_at(size)).decode() != root:
        raise SignatureInvalid(
            f"the checkpoint the signer reviewed (size {size}) is not this log's state at that size"
        )
    policy = reg.policy(at)
    if not policy.owner_may_approve and signer == row.owner:
        raise PolicyViolation(
            f"{signer} owns {st['model']} and may not approve it (segregation of duties)"
        )
    if not policy.registrant_may_approve and signer == row.registered_by:
        raise PolicyViolation(
            f"{signer} registered {st['model']} and may not approve it (segregation of duties)"
        )
    if policy.one_role_per_person:
        other = reg.rows(
            proj.approvals,
            proj.approvals.c.model == st["model"],
            proj.approvals.c.signer == signer,
            proj.approvals.c.role != role,
        )
        if other:
            raise PolicyViolation(
                f"{signer} already signed {st['model']} as {other[0].role}; one person may not "
                "sign both roles (segregation of duties)"
            )
    if st["decision"] in ("approve", "conditional"):
        blocking = [
            f
            for f in findings.open_findings(reg, st["model"])
            if f.severity in policy.blocking_severities
        ]
        if blocking:
            raise PolicyViolation(
                f"{st['model']} has an open {blocking[0].severity}-severity finding "
                f"(#{blocking[0].number}: {blocking[0].text}); it must be closed before approval"
            )
        if st.get("expires") is not None and st["expires"] <= at:
            raise BadInput("the approval's expiry date is already past")
    return person


def submit(reg: Registry, st: dict[str, Any], signature: str) -> Entry:
    """Check and append a signed approval statement."""
    person = check(reg, st, signature)
    return reg.record(
        "approval.signed",
        {
            "subject": f"approval:{st['model']}",
            "statement": st,
            "signature": signature,
            "fingerprint": person.fingerprint,
        },
        actor=st["signer"],
    )


def approve(
    reg: Registry,
    ref: str,
    *,
    decision: str,
    role: str,
    key: Path,
    conditions: str | None = None,
    expires: str | None = None,
) -> Entry:
    """Build the statement, sign it with the acting person's key, check and append it."""
    st = statement(
        reg,
        ref,
        decision=decision,
        role=role,
        signer=reg.actor,
        conditions=conditions,
        expires=expires,
    )
    people.require_active(reg, reg.actor, role)
    signature = signing.sign(st, key, signing.namespace("approval", reg.origin))
    return submit(reg, st, signature)
