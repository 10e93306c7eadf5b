"""The log's clock: entry times never go backwards, and no writer can freeze them.

docs/ledger-format.md, "The clock", states the rules.

Writers' clocks differ a little. An append takes the later of its own clock and the last entry's
time, as long as the last entry is at most ``TOLERANCE`` ahead of the writer's clock; beyond that
it refuses (``ClockBehind``), naming the entry that is ahead, instead of adopting a time that may
be years in the future. A log that already holds a future-dated entry is repaired by one entry of
kind ``CORRECTED`` (an administrator's signed clock correction): it alone may carry a time
earlier than the entry before it, and appends resume at real time after it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, text

from govern.ledger.entry import format_ts, parse_ts

#: How far the last entry may be ahead of a writer's clock before the writer refuses.
TOLERANCE = timedelta(seconds=5)
#: The one entry kind that may go back in time: it repairs a log poisoned by a future entry.
CORRECTED = "log.clock_corrected"


def limit(now: str) -> str:
    """The latest entry time a writer whose clock reads ``now`` accepts (``now`` + tolerance)."""
    return format_ts(parse_ts(now) + TOLERANCE)


def ahead(last_ts: str, now: str) -> bool:
    """True when ``last_ts`` is further ahead of ``now`` than the tolerance allows."""
    return last_ts > limit(now)


def later(a: str, b: str) -> str:
    return a if a >= b else b


def describe(ts: str, now: str) -> str:
    """How far ``ts`` is ahead of ``now``, for a person ("2 days", "73 years")."""
    delta = parse_ts(ts) - parse_ts(now)
    seconds = delta.total_seconds()
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600)):
        if seconds >= 2 * size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


def first_ahead(conn: Connection, now: str) -> tuple[int, str] | None:
    """The first entry dated beyond ``now`` plus the tolerance that no later clock correction
    repairs, as (seq, ts); None if there is none."""
    row = conn.execute(
        text(
            "SELECT seq, ts FROM ledger_entries WHERE ts > :limit AND seq > COALESCE("
            "(SELECT MAX(seq) FROM ledger_entries WHERE kind = :kind), -1) ORDER BY seq LIMIT 1"
        ),
        {"limit": limit(now), "kind": CORRECTED},
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))
