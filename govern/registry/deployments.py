"""Deployments: a version goes live only when approved, or by an approver's signed override."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from govern.errors import BadInput, PolicyViolation
from govern.ledger import Entry
from govern.records import (
    OVERRIDE_TYPE,
    DeploymentOverride,
    ModelDeployed,
    ModelRetired,
    OverrideStatement,
    subjects,
)
from govern.registry import models, people, signing
from govern.registry.refs import check_name
from govern.registry.status import status

if TYPE_CHECKING:
    from govern.registry.core import Registry


def override_statement(reg: Registry, ref: str, env: str, justification: str) -> OverrideStatement:
    row = models.resolve(reg, ref)
    return OverrideStatement(
        type=OVERRIDE_TYPE,
        log=reg.origin,
        model=row.ref,
        model_entry=row.leaf,
        env=env,
        justification=justification,
        signer=reg.actor,
    )


def deploy(
    reg: Registry,
    ref: str,
    *,
    env: str = "production",
    override: str | None = None,
    key: Path | None = None,
) -> Entry:
    """Record a deployment; refused unless approved, except by a signed override."""
    check_name(env, "environment")
    row = models.resolve(reg, ref)
    model = row.ref
    current = status(reg, model)
    signed_override = None
    if not current.approved:
        if override is None:
            raise PolicyViolation(
                f"{model} is {current.status}, not approved: it may not be deployed",
                hint="complete validation and approval first, or have an approver record a "
                "signed override (--override JUSTIFICATION --sign-with KEY)",
            )
        if not override.strip():
            raise BadInput("an override needs a written justification")
        person = people.require_active(reg, reg.actor, "approver")
        if key is None:
            raise BadInput("an override must be signed: pass --sign-with KEY")
        st = override_statement(reg, model, env, override)
        ns = signing.namespace("deployment", reg.origin)
        signature = signing.sign(st, key, ns)
        signing.verify(st, signature, person.public_key, ns)
        signed_override = DeploymentOverride(
            justification=override,
            statement=st,
            signature=signature,
            fingerprint=person.fingerprint,
        )
    return reg.record(
        ModelDeployed(
            subject=subjects.model(model),
            model=model,
            model_entry=row.leaf,
            env=env,
            status_at_deploy=current.status,
            override=signed_override,
        )
    )


def retire(reg: Registry, ref: str, *, env: str = "production", reason: str) -> Entry:
    row = models.resolve(reg, ref)
    model = row.ref
    if env not in status(reg, model).deployed_in:
        raise BadInput(f"{model} is not deployed in {env}")
    return reg.record(
        ModelRetired(subject=subjects.model(model), model=model, env=env, reason=reason)
    )
