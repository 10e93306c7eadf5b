"""Recording a monitoring run (docs/monitoring.md, "Recording"): a signed ``monitoring.result``
entry, and on a breach an automatic finding, in one transaction.

An amber result raises a finding of medium severity, a red one of high severity with a
revalidation due within the tier's ``revalidation_days``; the finding names the breached
metrics. Monitoring findings flag the model and do not stop it from scoring unless the tier's
rule says so (``findings_block``); a validator who judges a breach blocking raises their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from govern.ledger import Entry
from govern.ledger.entry import format_ts, parse_ts
from govern.monitor.lending import describe
from govern.monitor.run import MonitoringReport
from govern.records import MonitoringResult, subjects
from govern.registry import findings
from govern.registry.core import Registry

__all__ = ["Recorded", "record"]

_SEVERITY = {"amber": "medium", "red": "high"}


@dataclass(frozen=True)
class Recorded:
    result: Entry
    finding: Entry | None


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, float) and value != value:  # NaN has no JSON form
        return None
    return value


def record(reg: Registry, report: MonitoringReport) -> Recorded:
    """Record ``report`` as the acting validator or monitoring service."""
    result = MonitoringResult(
        subject=subjects.monitoring(report.model),
        model=report.model,
        model_entry=report.model_entry,
        start=report.start,
        end=report.end,
        source=report.source,
        source_sha256=report.source_sha256,
        rows=report.rows,
        erased=report.erased,
        status=report.status,
        checks=report.checks,
        figures=_json(report.to_json()),
    )
    records: list[Any] = [result]
    breached = [c for c in report.checks if c.status != "green"]
    if report.status in _SEVERITY:
        worst = [c for c in breached if c.status == report.status]
        names = ", ".join(describe(c) for c in worst)
        due = None
        if report.status == "red":
            days = int(report.rule["revalidation_days"])
            due = format_ts(parse_ts(report.generated_at) + timedelta(days=days))
        text = f"monitoring {report.start[:10]} to {report.end[:10]} is {report.status}: {names}"
        records.append(
            findings.finding_record(
                reg,
                report.model,
                severity=_SEVERITY[report.status],
                text=text,
                type=findings.MONITORING,
                due=due,
            )
        )
    entries = reg.record_batch(records)
    return Recorded(entries[0], entries[1] if len(entries) > 1 else None)
