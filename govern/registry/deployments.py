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
from govern.registry import authority, models, people, signing
from govern.registry.identity import KeySigner
from govern.registry.refs import check_name
from govern.registry.status import status

if TYPE_CHECKING:
    from govern.registry.core import Registry


def override_statement(
    reg: Registry, ref: str, env: str, justification: str, signer: str | None = None
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
    )


def deploy(
    reg: Registry,
    ref: str,
    *,
    env: str = "production",
    override: str | None = None,
    key: Path | KeySigner | None = None,
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
        signer, acting = authority.acting(reg, key)
        person = people.require_active(reg, acting.name, "approver")
        st = override_statement(reg, model, env, override, signer=person.name)
        ns = signing.namespace("deployment", reg.origin)
        signature = signer.sign(signing.statement_bytes(st), ns)
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
