"""Recording a fair-lending analysis (docs/fairness.md, "Recording"): a signed
``fairness.result`` entry, and on a breach of the policy's thresholds a finding (a validation
issue of medium severity naming the breach), in one transaction; and the latest recorded
analysis a version's documents cite."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govern.fairness.analysis import FairnessReport
from govern.ledger import Entry
from govern.records import FairnessResult, subjects
from govern.registry import findings, models, trusted
from govern.registry.core import Registry

__all__ = ["SEVERITY", "Recorded", "latest", "record", "result_record"]

#: A breach flags the version for the validator; it blocks approval only if the policy counts
#: medium findings as blocking. A validator who judges it blocking raises their own.
SEVERITY = "medium"


def latest(reg: Registry, ref: str) -> tuple[Entry, FairnessResult] | None:
    """The latest ``fairness.result`` of version ``ref`` (NAME@V) whose signature and author's
    authority verify, recorded against the version's registration as it is, if any."""
    mv = models.resolve(reg, ref)
    found = trusted.accepted(
        reg, reg.ledger.checked(subject=subjects.fairness(mv.ref), kinds=[FairnessResult.KIND])
    )
    for entry in reversed(found):
        result = FairnessResult.from_entry(entry)
        if result.model_entry == mv.leaf:
            return entry, result
    return None


@dataclass(frozen=True)
class Recorded:
    result: Entry
    finding: Entry | None


def result_record(report: FairnessReport) -> FairnessResult:
    """The ``fairness.result`` record of ``report`` (its figures the report's JSON)."""
    return FairnessResult(
        subject=subjects.fairness(report.model),
        model=report.model,
        model_entry=report.model_entry,
        source=report.source,
        source_sha256=report.source_sha256,
        rows=report.rows,
        passed=report.passed,
        uses_designated=report.uses_designated,
        groups=report.groups,
        breaches=report.breaches,
        figures=report.to_json(),
    )


def record(reg: Registry, report: FairnessReport) -> Recorded:
    """Record ``report`` as the acting validator; a breach raises a finding of medium severity
    naming the breached groups, in the same transaction."""
    records: list[Any] = [result_record(report)]
    if report.breaches:
        first = report.breaches[0]
        more = len(report.breaches) - 1
        text = f"fair lending on {report.source}: {first}" + (
            f" (and {more} more breach{'es' if more > 1 else ''} of the policy's thresholds)"
            if more
            else ""
        )
        records.append(findings.finding_record(reg, report.model, severity=SEVERITY, text=text))
    entries = reg.record_batch(records)
    return Recorded(entries[0], entries[1] if len(entries) > 1 else None)
