"""Deployments: a version goes live only when approved, or by an approver's signed override.

One version of a model runs in an environment at a time: deploying another records the switch
(the version it replaces is retired from that environment by the same entry), and deploying the
version that already runs there is refused. What the registry refuses on its own (the approval
missing, stale, expired, or held up by an open blocking finding) and what the gates above it
refuse (``govern.gates``: the mandatory documentation, the released card) are overridden the
same way: an approver signs a statement naming each refusal and their justification.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from govern.errors import (
    AlreadyDeployed,
    ApprovalLapsed,
    ApprovalStale,
    BadInput,
    GovernError,
    NotApproved,
    OpenFinding,
    PolicyViolation,
)
from govern.ledger import Entry
from govern.records import (
    OVERRIDE_TYPE,
    DeploymentOverride,
    ModelDeployed,
    ModelRetired,
    OverrideStatement,
    subjects,
)
from govern.registry import authority, models, people, signing
from govern.registry.identity import KeySigner
from govern.registry.refs import check_name
from govern.registry.status import (
    APPROVED,
    EXPIRED,
    REJECTED,
    STALE,
    Status,
    deployment_history,
    status,
)

if TYPE_CHECKING:
    from govern.registry.core import Registry


def override_hint(model: str) -> str:
    """How every refusal that an override can lift says so."""
    return (
        f"or have an approver sign an override: govern deploy {model} --override "
        "JUSTIFICATION --sign-with KEY"
    )


def override_statement(
    reg: Registry,
    ref: str,
    env: str,
    justification: str,
    signer: str | None = None,
    gates: Sequence[str] = (),
) -> OverrideStatement:
    row = models.resolve(reg, ref)
    return OverrideStatement(
        type=OVERRIDE_TYPE,
        log=reg.origin,
        model=row.ref,
        model_entry=row.leaf,
        env=env,
        justification=justification,
        signer=signer or reg.actor,
        gates=tuple(gates) or None,
    )


def approval_refusal(current: Status) -> GovernError | None:
    """Why ``current``'s approval does not allow a deployment (None: it does)."""
    model = current.model
    if current.approval == APPROVED:
        return None
    if current.approval == STALE:
        return ApprovalStale(
            f"the approval of {model} is stale: {current.stale[0].detail}"
            + (f" (and {len(current.stale) - 1} more)" if len(current.stale) > 1 else ""),
            hint="the validator and approver review the change and sign again (`govern "
            f"approve`), {override_hint(model)}",
        )
    if current.approval == EXPIRED:
        return ApprovalLapsed(
            f"the approval of {model} lapsed: a required sign-off is no longer in force",
            hint=f"revalidate: the validator and approver sign again, {override_hint(model)}",
        )
    if current.blocking:
        f = current.blocking[0]
        return OpenFinding(
            f"{model} has an open {f.severity}-severity finding (#{f.number}: {f.text}); it may "
            "not be deployed",
            hint=f"the validator closes it with `govern finding close`, {override_hint(model)}",
        )
    missing = [
        r
        for r in current.required_roles
        if not any(s.role == r and s.in_force for s in current.signoffs)
    ]
    why = "it was rejected" if current.approval == REJECTED else f"it is {current.approval}"
    if missing and current.approval != REJECTED:
        why += f"; missing sign-off: {', '.join(missing)}"
    return NotApproved(
        f"{model} is not approved ({why}): it may not be deployed",
        hint=f"complete validation and approval first, {override_hint(model)}",
    )


def running(reg: Registry, name: str, env: str) -> str | None:
    """The version of model ``name`` that runs in ``env`` now (the latest deployed), if any."""
    live: dict[str, int] = {}
    for mv in models.versions(reg, name):
        moves = deployment_history(reg, mv.ref)
        state = None
        for d in moves:
            if d.env == env:
                state = d.entry if d.action == "deploy" else None
        if state is not None:
            live[mv.ref] = state
    return max(live, key=lambda ref: live[ref]) if live else None


def deploy(
    reg: Registry,
    ref: str,
    *,
    env: str = "production",
    override: str | None = None,
    key: Path | KeySigner | None = None,
    refused: Sequence[GovernError] = (),
    replaces: str | None = None,
    rollback_reason: str | None = None,
) -> Entry:
    """Record a deployment of ``ref`` to ``env``, retiring the version of the model that runs
    there. Refused (the first reason raised, nothing recorded) unless approved, except by an
    approver's signed override (``override``, the justification), which names every refusal:
    the registry's and ``refused``, those the gates above it found (``govern.gates``)."""
    check_name(env, "environment")
    row = models.resolve(reg, ref)
    model = row.ref
    current = status(reg, model)
    reasons = [r for r in (approval_refusal(current),) if r is not None] + list(refused)
    if env in current.deployed_in and not reasons:
        raise AlreadyDeployed(
            f"{model} already runs in {env}: there is nothing to deploy",
            hint=f"`govern status {model}` shows where it runs",
        )
    signed_override = None
    if reasons and override is None:
        raise reasons[0]
    if override is not None:
        if not reasons:
            raise BadInput(
                f"{model} may be deployed to {env} as it is: there is nothing to override",
                hint="deploy without --override",
            )
        if not override.strip():
            raise BadInput("an override needs a written justification")
        signer, acting = authority.acting(reg, key)
        person = people.require_active(reg, acting.name, "approver")
        if not reg.policy().allows(person.roles, "override"):
            raise PolicyViolation(f"the policy does not let {person.name} sign an override")
        st = override_statement(
            reg,
            model,
            env,
            override,
            signer=person.name,
            gates=[f"{type(r).__name__}: {r.message}" for r in reasons],
        )
        ns = signing.namespace("deployment", reg.origin)
        signature = signer.sign(signing.statement_bytes(st), ns)
        signing.verify(st, signature, person.public_key, ns)
        signed_override = DeploymentOverride(
            justification=override,
            statement=st,
            signature=signature,
            fingerprint=person.fingerprint,
        )
    replaced = running(reg, row.name, env)
    if replaces is not None:
        other = models.resolve(reg, replaces)
        if env not in status(reg, other.ref).deployed_in:
            raise BadInput(
                f"{other.ref} does not run in {env}: there is nothing for {model} to replace",
                hint=f"`govern status {other.ref}` shows where it runs",
            )
        replaced = other.ref
    return reg.record(
        ModelDeployed(
            subject=subjects.model(model),
            model=model,
            model_entry=row.leaf,
            env=env,
            status_at_deploy=current.status,
            override=signed_override,
            replaces=None if replaced in (None, model) else replaced,
            rollback_reason=rollback_reason,
        ),
        key=None if key is None else authority.acting(reg, key)[0],
    )


def retire(reg: Registry, ref: str, *, env: str = "production", reason: str) -> Entry:
    row = models.resolve(reg, ref)
    model = row.ref
    if env not in status(reg, model).deployed_in:
        raise BadInput(f"{model} is not deployed in {env}")
    return reg.record(
        ModelRetired(subject=subjects.model(model), model=model, env=env, reason=reason)
    )
