"""A model version's lifecycle status as of any moment, derived from the ledger.

registered → in validation → approved / rejected → deployed → retired; approval expired when
sign-offs lapse, approval stale when something they pinned changed (``pins.py``). A provenance
lookup asks what was in force when a prediction was made, so every rule reads only what the
ledger held at that time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from govern.errors import NotFound
from govern.ledger.entry import format_ts, now_ts, parse_ts
from govern.records import ApprovalSigned, ModelDeployed, MonitoringResult, subjects
from govern.registry import approvals, findings, models, people, pins, trusted
from govern.registry import projections as proj
from govern.registry.dates import add_months
from govern.registry.entities import (
    Deployment,
    DeploymentEvent,
    Finding,
    Flag,
    PinChange,
    SignedApproval,
    Signoff,
)
from govern.registry.policy import AUTOMATED_ROLES

if TYPE_CHECKING:
    from govern.registry.core import Registry

REGISTERED = "registered"
IN_VALIDATION = "in validation"
APPROVED = "approved"
REJECTED = "rejected"
DEPLOYED = "deployed"
RETIRED = "retired"
EXPIRED = "approval expired"
STALE = "approval stale"
#: How long before a sign-off lapses status flags the revalidation coming due.
REVIEW_NOTICE_DAYS = 90


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
    # what the required sign-offs pinned that has changed since (the approval is stale)
    stale: tuple[PinChange, ...] = field(default=())
    # what a reviewer should look at but does not stop the model (docs/registry.md)
    flags: tuple[Flag, ...] = field(default=())
    # the production deployment whose signed override was recorded after every change that
    # made the approval stale: it lets the version go on scoring
    overridden_by: int | None = None
    # the approval alone, whatever the deployments: registered, in validation, approved,
    # approval stale, approval expired or rejected
    approval: str = REGISTERED
    # the open findings of a blocking severity raised by a person (they stop approval)
    blocking: tuple[Finding, ...] = field(default=())
    # the latest recorded monitoring and when the next is due
    monitoring: MonitoringState | None = None

    @property
    def approved(self) -> bool:
        return self.status in (APPROVED, DEPLOYED)

    @property
    def may_score(self) -> bool:
        """Whether production scoring may use the version: deployed and approved, or deployed
        under an approver's signed override of its stale approval."""
        return self.status == DEPLOYED or (self.status == STALE and self.overridden_by is not None)


def _automatic(reg: Registry, name: str) -> bool:
    """Whether ``name`` is a service (scoring, monitoring) rather than a person."""
    try:
        roles = people.person(reg, name).roles
    except NotFound:  # an actor of a ledger from before enrolment
        return False
    return bool(roles) and set(roles) <= set(AUTOMATED_ROLES)


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
    now_pins = None
    for a in signed:
        expires = a.expires or format_ts(
            add_months(parse_ts(a.signed_at), rule.revalidation_months)
        )
        in_force = latest[a.role] is a and a.decision != "reject" and expires > at
        stale: tuple[PinChange, ...] = ()
        if in_force:
            _entry, record = reg.recorded(ApprovalSigned, a.entry)
            if record.statement.pinned is not None:
                now_pins = now_pins or pins.current(reg, row, at)
                stale = pins.changes(reg, row, record.statement.pinned, at, now=now_pins)
        signoffs.append(
            Signoff(
                a.role,
                a.decision,
                a.signer,
                a.signed_at,
                expires,
                a.conditions,
                a.entry,
                in_force,
                stale,
            )
        )
    opened = tuple(findings.open_findings(reg, model, at))
    watch = policy.monitoring_rule(row.risk_tier)
    automatic = [
        f
        for f in opened
        if _automatic(reg, f.raised_by)
        or (f.type == findings.MONITORING and not watch.findings_block)
    ]
    blocking = [
        f for f in opened if f.severity in policy.blocking_severities and f not in automatic
    ]
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
    changed: dict[tuple[str, int], PinChange] = {}
    for s in signoffs:
        if s.in_force and s.role in rule.requires:
            for c in s.stale:
                changed.setdefault((c.item, c.entry), c)
    stale_items = tuple(changed.values())
    warnings: list[str] = []
    if rejected:
        approval = REJECTED
    elif complete and not blocking:
        approval = STALE if stale_items else APPROVED
    elif had_all and not complete:
        approval = EXPIRED
    elif signed or opened or findings.all_findings(reg, model):
        approval = IN_VALIDATION
    else:
        approval = REGISTERED
    if retired:
        state = RETIRED
    elif approval == APPROVED and any(e in policy.production_envs for e in live):
        state = DEPLOYED
    else:
        state = approval
    overridden_by = None
    if state == STALE:
        last = max(c.entry for c in stale_items)
        covering = [
            d.entry
            for d in live.values()
            if d.override and d.entry > last and d.env in policy.production_envs
        ]
        overridden_by = max(covering) if covering else None
    overrides = tuple(d for d in live.values() if d.override)
    if live and state not in (DEPLOYED,):
        warnings.append(
            f"{model} is deployed in {', '.join(sorted(live))} but is {state}"
            + (" (deployed by a signed override)" if overrides else "")
        )
    expiries = [s.expires for s in signoffs if s.in_force]
    # a red monitoring result makes revalidation due by its finding's date
    expiries += [f.due for f in opened if f.type == findings.MONITORING and f.due is not None]
    next_due = min(expiries) if expiries else None
    flags = _flags(reg, signoffs, stale_items, automatic, next_due, at)
    watched = monitoring_state(reg, model, at, watch.frequency_months, since=row.ts)
    if watched.overdue and live:
        since = watched.last_at[:10] if watched.last_at else "it was registered"
        flags = (
            *flags,
            Flag(
                "monitoring overdue",
                watched.due or at,
                f"no monitoring recorded since {since}: the tier asks for it every "
                f"{watch.frequency_months} months",
            ),
        )
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
        next_review_due=next_due,
        warnings=tuple(warnings),
        deployments=tuple(live.values()),
        stale=stale_items,
        flags=flags,
        overridden_by=overridden_by,
        approval=approval,
        blocking=tuple(blocking),
        monitoring=watched,
    )


def _flags(
    reg: Registry,
    signoffs: list[Signoff],
    stale: tuple[PinChange, ...],
    automatic: list[Finding],
    next_due: str | None,
    at: str,
) -> tuple[Flag, ...]:
    """What flags the model without stopping it: a policy edit since the sign-offs outside
    what they pinned, open automatic findings, a revalidation due within REVIEW_NOTICE_DAYS."""
    out: list[Flag] = []
    in_force = [s for s in signoffs if s.in_force]
    recorded = pins.policy_entry(reg, at)
    if in_force and recorded is not None and not any(c.item == "policy" for c in stale):
        seq, ts = recorded
        first = min(s.signed_at for s in in_force)
        if ts > first and reg.policy(first).as_dict() != reg.policy(at).as_dict():
            out.append(
                Flag(
                    "policy changed",
                    ts,
                    f"the policy was changed (entry {seq}) after the sign-off, outside the "
                    "settings it pinned: the approval stands; review whether it still fits",
                    seq,
                )
            )
    for f in automatic:
        out.append(
            Flag(
                "automatic finding",
                f.raised_at,
                f"finding #{f.number} ({f.severity}) raised by {f.raised_by}: {f.text}",
                f.seq,
            )
        )
    if next_due is not None:
        notice = format_ts(parse_ts(at) + timedelta(days=REVIEW_NOTICE_DAYS))
        if next_due <= notice:
            out.append(
                Flag(
                    "revalidation due",
                    next_due,
                    f"a sign-off lapses on {next_due[:10]}: revalidate before then",
                )
            )
    return tuple(out)


@dataclass(frozen=True)
class MonitoringState:
    """The latest ``monitoring.result`` of a version at a moment, and when the next is due."""

    last_status: str | None  # green, amber, red; None when none was recorded
    last_at: str | None
    last_entry: int | None
    due: str | None
    overdue: bool


def monitoring_state(
    reg: Registry, model: str, at: str, every_months: int, *, since: str
) -> MonitoringState:
    """From the checked ``monitoring.result`` entries of ``model`` recorded by ``at``."""
    found = [
        e
        for e in trusted.accepted(
            reg,
            reg.ledger.checked(subject=subjects.monitoring(model), kinds=[MonitoringResult.KIND]),
        )
        if e.ts <= at
    ]
    if not found:
        due = format_ts(add_months(parse_ts(since), every_months))
        return MonitoringState(None, None, None, due, due < at)
    last = found[-1]
    _e, result = reg.recorded(MonitoringResult, last.seq, last.leaf.hex())
    due = format_ts(add_months(parse_ts(last.ts), every_months))
    return MonitoringState(result.status, last.ts, last.seq, due, due < at)


def deployment_history(reg: Registry, model: str) -> list[DeploymentEvent]:
    """Every deployment and retirement of ``model`` (``NAME@V``), in ledger order, the
    deployments of another version that replaced it in an environment included (as
    retirements naming that version)."""
    rows = trusted.rows(reg, proj.deployments, model=model)
    events = [
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
    deployed = [e for e in events if e.action == "deploy"]
    if not deployed:
        return events
    envs = {e.env for e in deployed}
    first = deployed[0].entry
    # the deployments of other versions (of any model: `govern deploy --replaces`) after this
    # one's, in its environments, that say they replaced it
    others = trusted.rows(
        reg,
        proj.deployments,
        keep=lambda r: (
            r.model != model and r.action == "deploy" and r.env in envs and r.seq > first
        ),
    )
    for r in others:
        _entry, record = reg.recorded(ModelDeployed, r.seq)
        if record.replaces == model:
            events.append(
                DeploymentEvent(
                    entry=r.seq,
                    model=model,
                    env=r.env,
                    action="retire",
                    ts=r.ts,
                    actor=r.actor,
                    override=False,
                    justification=None,
                    replaced_by=record.model,
                )
            )
    return sorted(events, key=lambda e: e.entry)


def today() -> str:
    return format_ts(datetime.now(UTC))
