"""Validation findings: what an independent validator raises against a model version.

SR 11-7 section V / docs/documents.md, "findings register": id, type (validation issue, policy
exception, limitation), severity, owner, due date, status. An open finding of a blocking
severity (high, by default) stops approval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govern.errors import BadInput, NotFound
from govern.ledger import Entry
from govern.records import FindingClosed, FindingRaised, subjects
from govern.registry import models, trusted
from govern.registry import projections as proj
from govern.registry.entities import Finding

if TYPE_CHECKING:
    from govern.registry.core import Registry

SEVERITIES = ("high", "medium", "low")
TYPES = ("validation issue", "policy exception", "limitation", "monitoring")
#: The type of the findings ``govern monitor --record`` raises on a breach: they flag the model
#: and do not stop it unless the tier's monitoring rule says so (``findings_block``).
MONITORING = "monitoring"


def finding_record(
    reg: Registry,
    ref: str,
    *,
    severity: str,
    text: str,
    type: str = "validation issue",
    due: str | None = None,
) -> FindingRaised:
    """The record of a new finding against ``ref``, checked, numbered after the last."""
    if severity not in SEVERITIES:
        raise BadInput(f"severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    if type not in TYPES:
        raise BadInput(f"finding type {type!r} is not one of: {', '.join(TYPES)}")
    if not text.strip():
        raise BadInput("a finding needs a text saying what is wrong")
    row = models.resolve(reg, ref)
    model = f"{row.name}@{row.version}"
    number = len(trusted.rows(reg, proj.findings, model=model)) + 1
    return FindingRaised(
        subject=subjects.finding(model, number),
        model=model,
        model_entry=row.leaf,
        number=number,
        severity=severity,
        type=type,
        text=text,
        due=due,
    )


def raise_finding(
    reg: Registry,
    ref: str,
    *,
    severity: str,
    text: str,
    type: str = "validation issue",
    due: str | None = None,
) -> Entry:
    """A validator records a finding against a model version."""
    return reg.record(finding_record(reg, ref, severity=severity, text=text, type=type, due=due))


def close_finding(reg: Registry, ref: str, number: int, *, resolution: str) -> Entry:
    row = models.resolve(reg, ref)
    model = f"{row.name}@{row.version}"
    found = trusted.rows(reg, proj.findings, model=model, number=number)
    if not found:
        raise NotFound(f"{model} has no finding #{number}")
    if found[0].status == "closed":
        raise BadInput(f"finding #{number} of {model} is already closed")
    if not resolution.strip():
        raise BadInput("say how the finding was resolved")
    return reg.record(
        FindingClosed(
            subject=subjects.finding(model, number),
            model=model,
            number=number,
            resolution=resolution,
        )
    )


def _finding(row: Any) -> Finding:
    return Finding(
        model=row.model,
        number=row.number,
        severity=row.severity,
        type=row.type,
        text=row.text,
        raised_by=row.raised_by,
        raised_at=row.raised_at,
        due=row.due,
        status=row.status,
        closed_by=row.closed_by,
        closed_at=row.closed_at,
        resolution=row.resolution,
        seq=row.seq,
    )


def open_findings(reg: Registry, model: str, at: str | None = None) -> list[Finding]:
    """Findings of ``model`` open at time ``at`` (now when None)."""
    return [f for f in all_findings(reg, model) if f.open_at(at)]


def all_findings(reg: Registry, model: str) -> list[Finding]:
    """Every finding of ``model``, by number."""
    rows = trusted.rows(reg, proj.findings, model=model)
    return [_finding(r) for r in rows]
