"""Dates as the registry counts and reads them: calendar months, and the dates people type.

A period of months ends on the same day of the month at the same time of day, or on the month's
last day when that month is shorter (31 January + 1 month = 28 or 29 February): never earlier
than the period requires. Approvals lapse by it (docs/registry.md, "The policy") and decision
records are kept by it (docs/provenance.md, "Retention").
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TypeVar

from dateutil.relativedelta import relativedelta

from govern.errors import BadInput

__all__ = ["add_months", "parse_date"]

When = TypeVar("When", date, datetime)


def add_months(when: When, months: int) -> When:
    """``when`` plus ``months`` calendar months, clamped to the last day of a shorter month."""
    # relativedelta clamps the day to the target month's length and keeps the time of day.
    later: When = when + relativedelta(months=months)
    return later


def parse_date(text: str) -> str:
    """``YYYY-MM-DD`` (end of that day, UTC) or a full RFC 3339 time, as a ledger timestamp."""
    try:
        if len(text) == 10:
            moment = datetime.strptime(text, "%Y-%m-%d").replace(
                hour=23, minute=59, second=59, tzinfo=UTC
            )
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError as exc:
        raise BadInput(f"{text!r} is not a date", hint="write it as YYYY-MM-DD") from exc
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
