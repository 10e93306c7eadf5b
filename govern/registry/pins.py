"""What an approval pins, and what has changed since (docs/registry.md, "What an approval pins").

A sign-off approves more than the registration (artifact, code commit and data, fixed by the
version's entry): the decision threshold, the card and validation narratives as recorded then,
the reason-code table in force for the model's name, and the policy's rule for the version's
tier with its segregation-of-duties settings. When any of these is no longer what was signed,
the sign-off is *stale*. The rest of the policy (monitoring, fairness groups, permissions) is
not pinned: a change there flags the model but leaves the approval standing.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

from govern.records import (
    ApprovalPins,
    CardNarrative,
    NarrativeRecorded,
    PinnedPolicy,
    PinnedReasons,
    PinnedText,
    ReasonTableRegistered,
    ValidationNarrative,
    subjects,
)
from govern.registry import decisions, trusted
from govern.registry import projections as proj
from govern.registry.entities import ModelVersion, PinChange

if TYPE_CHECKING:
    from govern.ledger import Entry
    from govern.registry.core import Registry


def _latest(reg: Registry, subject: str, kind: str, at: str | None) -> Entry | None:
    """The newest entry of ``kind`` about ``subject`` recorded at or before ``at``, its bytes
    checked (``Ledger.checked``)."""
    found = [
        e
        for e in trusted.accepted(reg, reg.ledger.checked(subject=subject, kinds=[kind]))
        if at is None or e.ts <= at
    ]
    return found[-1] if found else None


def _text(
    reg: Registry, cls: type[NarrativeRecorded], subject: str, at: str | None
) -> PinnedText | None:
    entry = _latest(reg, subject, cls.KIND, at)
    if entry is None:
        return None
    _e, record = reg.recorded(cls, entry.seq, entry.leaf.hex())
    return PinnedText(entry=entry.seq, sha256=record.sha256)


def reasons(reg: Registry, name: str, at: str | None = None) -> PinnedReasons | None:
    """The reason-code table in force for the model ``name`` at ``at`` (now by default)."""
    entry = _latest(reg, subjects.reason_table(name), ReasonTableRegistered.KIND, at)
    if entry is None:
        return None
    _e, record = reg.recorded(ReasonTableRegistered, entry.seq, entry.leaf.hex())
    return PinnedReasons(entry=entry.seq, version=record.version, sha256=record.sha256)


def policy_entry(reg: Registry, at: str | None = None) -> tuple[int, str] | None:
    """The seq and time of the ``policy.set`` entry in force at ``at`` (None: the defaults)."""
    rows = trusted.rows(reg, proj.policies, keep=None if at is None else (lambda r: r.ts <= at))
    return (rows[-1].seq, rows[-1].ts) if rows else None


def pinned_policy(reg: Registry, tier: str, at: str | None = None) -> PinnedPolicy:
    p = reg.policy(at).pinned(tier)
    return PinnedPolicy(
        tier=p["tier"],
        requires=tuple(p["requires"]),
        revalidation_months=p["revalidation_months"],
        owner_may_approve=p["owner_may_approve"],
        registrant_may_approve=p["registrant_may_approve"],
        one_role_per_person=p["one_role_per_person"],
    )


def current(reg: Registry, mv: ModelVersion, at: str | None = None) -> ApprovalPins:
    """What a sign-off of ``mv`` made at ``at`` (now by default) pins."""
    return ApprovalPins(
        threshold=mv.threshold,
        card_narrative=_text(reg, CardNarrative, subjects.card_narrative(mv.ref), at),
        validation_narrative=_text(
            reg, ValidationNarrative, subjects.validation_narrative(mv.ref), at
        ),
        reason_table=reasons(reg, mv.name, at),
        policy=pinned_policy(reg, mv.risk_tier, at),
        decision_policy=decisions.pinned(reg, mv.ref, at),
    )


def _text_change(
    reg: Registry, what: str, signed: PinnedText | None, now: PinnedText | None
) -> PinChange | None:
    if now is None or (signed is not None and signed.sha256 == now.sha256):
        return None
    entry = reg.entry(now.entry)
    if signed is None:
        detail = f"a {what} was first recorded (entry {now.entry}) after the sign-off"
    else:
        detail = f"the {what} of entry {now.entry} replaces the one signed (entry {signed.entry})"
    return PinChange(what, now.entry, entry.ts, detail)


def _policy_change(
    reg: Registry, signed: PinnedPolicy, now: PinnedPolicy, at: str | None
) -> PinChange | None:
    if signed == now:
        return None
    moved = [
        f"{f.name} {_show(getattr(signed, f.name))} -> {_show(getattr(now, f.name))}"
        for f in fields(PinnedPolicy)
        if getattr(signed, f.name) != getattr(now, f.name)
    ]
    found = policy_entry(reg, at)
    seq, ts = found if found is not None else (0, "")
    return PinChange(
        "policy",
        seq,
        ts,
        f"the policy of entry {seq} changed the settings the sign-off pinned: {'; '.join(moved)}",
    )


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return "+".join(str(v) for v in value) or "none"
    return str(value).lower() if isinstance(value, bool) else str(value)


def changes(
    reg: Registry,
    mv: ModelVersion,
    signed: ApprovalPins | None,
    at: str | None = None,
    *,
    now: ApprovalPins | None = None,
) -> tuple[PinChange, ...]:
    """What ``signed`` (a sign-off's pins) says that no longer holds at ``at`` (``now``: the
    pins at ``at``, when the caller has them). A sign-off made before approvals pinned these
    (``signed`` None) is judged on its registration alone."""
    if signed is None:
        return ()
    now = now or current(reg, mv, at)
    found: list[PinChange | None] = []
    if signed.threshold != now.threshold:
        found.append(
            PinChange(
                "threshold",
                mv.seq,
                mv.ts,
                f"the decision threshold is {now.threshold}, not the {signed.threshold} signed",
            )
        )
    found.append(_text_change(reg, "card narrative", signed.card_narrative, now.card_narrative))
    found.append(
        _text_change(
            reg, "validation narrative", signed.validation_narrative, now.validation_narrative
        )
    )
    s, n = signed.reason_table, now.reason_table
    if n is not None and (s is None or s.sha256 != n.sha256):
        was = "none" if s is None else f"{s.version} (entry {s.entry})"
        found.append(
            PinChange(
                "reason table",
                n.entry,
                reg.entry(n.entry).ts,
                f"the reason-code table {n.version} (entry {n.entry}) replaces the one "
                f"signed: {was}",
            )
        )
    found.append(_policy_change(reg, signed.policy, now.policy, at))
    found.append(_text_change(reg, "decision policy", signed.decision_policy, now.decision_policy))
    return tuple(c for c in found if c is not None)
