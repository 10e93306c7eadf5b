"""A model version's lifecycle status as of any moment, derived from the ledger.

registered → in validation → approved / rejected → deployed → retired, and approval expired when
sign-offs lapse. A provenance lookup asks what was in force when a prediction was made, so every
rule reads only what the ledger held at that time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from govern.errors import NotFound
from govern.ledger.entry import format_ts, now_ts, parse_ts
from govern.registry import approvals, findings, models, people
from govern.registry import projections as proj
from govern.registry.dates import add_months
from govern.registry.entities import (
    Deployment,
    DeploymentEvent,
    Finding,
    SignedApproval,
    Signoff,
)

if TYPE_CHECKING:
    from govern.registry.core import Registry

REGISTERED = "registered"
IN_VALIDATION = "in validation"
APPROVED = "approved"
REJECTED = "rejected"
DEPLOYED = "deployed"
RETIRED = "retired"
EXPIRED = "approval expired"


@dataclass(frozen=True)
class Status:
    model: str
    as_of: str
    status: str
    tier: str
    required_roles: tuple[str, ...]
    signoffs: tuple[Signoff, ...]
    open_findings: tuple[Finding, ...]
    deployed_in: tuple[str, ...]
    overrides: tuple[Deployment, ...]
    next_review_due: str | None
    warnings: tuple[str, ...] = field(default=())
    deployments: tuple[Deployment, ...] = field(default=())  # in force, by entry

    @property
    def approved(self) -> bool:
        return self.status in (APPROVED, DEPLOYED)


def status(reg: Registry, ref: str, as_of: str | None = None) -> Status:
    """The status of ``ref`` as the ledger stood at ``as_of`` (now by default)."""
    at = as_of or now_ts()
    row = models.resolve(reg, ref)
    model = row.ref
    if row.ts > at:
        raise NotFound(f"{model} was not registered yet at {at}")
    policy = reg.policy(at)
    rule = policy.tier(row.risk_tier)
    # A signature made with a key later revoked as compromised, from the position the
    # revocation names, no longer counts.
    lost = people.compromised(reg)
    signed = [
        a
        for a in approvals.signed(reg, model)
        if a.signed_at <= at and a.entry < lost.get(a.fingerprint, a.entry + 1)
    ]
    latest: dict[str, SignedApproval] = {}
    for a in signed:
        latest[a.role] = a  # the latest decision per role stands
    signoffs = []
    for a in signed:
        expires = a.expires or format_ts(
            add_months(parse_ts(a.signed_at), rule.revalidation_months)
        )
        in_force = latest[a.role] is a and a.decision != "reject" and expires > at
        signoffs.append(
            Signoff(
                a.role, a.decision, a.signer, a.signed_at, expires, a.conditions, a.entry, in_force
            )
        )
    opened = tuple(findings.open_findings(reg, model, at))
    blocking = [f for f in opened if f.severity in policy.blocking_severities]
    moves = [d for d in deployment_history(reg, model) if d.ts <= at]
    live: dict[str, Deployment] = {}
    for d in moves:
        if d.action == "deploy":
            live[d.env] = Deployment(d.env, d.ts, d.actor, d.entry, d.override, d.justification)
        else:
            live.pop(d.env, None)
    retired = bool(moves) and moves[-1].action == "retire" and not live
    in_force_roles = {s.role for s in signoffs if s.in_force}
    rejected = any(latest[r].decision == "reject" for r in latest)
    complete = all(r in in_force_roles for r in rule.requires)
    had_all = all(r in latest and latest[r].decision != "reject" for r in rule.requires)
    warnings: list[str] = []
    if retired:
        state = RETIRED
    elif rejected:
        state = REJECTED
    elif complete and not blocking:
        state = DEPLOYED if any(e in policy.production_envs for e in live) else APPROVED
    elif had_all and not complete:
        state = EXPIRED
    elif signed or opened or findings.all_findings(reg, model):
        state = IN_VALIDATION
    else:
        state = REGISTERED
    overrides = tuple(d for d in live.values() if d.override)
    if live and state not in (DEPLOYED,):
        warnings.append(
            f"{model} is deployed in {', '.join(sorted(live))} but is {state}"
            + (" (deployed by a signed override)" if overrides else "")
        )
    expiries = [s.expires for s in signoffs if s.in_force]
    return Status(
        model=model,
        as_of=at,
        status=state,
        tier=row.risk_tier,
        required_roles=rule.requires,
        signoffs=tuple(signoffs),
        open_findings=opened,
        deployed_in=tuple(sorted(live)),
        overrides=overrides,
        next_review_due=min(expiries) if expiries else None,
        warnings=tuple(warnings),
        deployments=tuple(live.values()),
    )


def deployment_history(reg: Registry, model: str) -> list[DeploymentEvent]:
    """Every deployment and retirement of ``model`` (``NAME@V``), in ledger order."""
    rows = reg.rows(
        proj.deployments, proj.deployments.c.model == model, order=proj.deployments.c.seq
    )
    return [
        DeploymentEvent(
            entry=r.seq,
            model=r.model,
            env=r.env,
            action=r.action,
            ts=r.ts,
            actor=r.actor,
            override=bool(r.override),
            justification=r.justification,
        )
        for r in rows
    ]


def today() -> str:
    return format_ts(datetime.now(UTC))
