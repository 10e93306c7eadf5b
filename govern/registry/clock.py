"""Repairing the log's clock after a future-dated entry froze it.

docs/ledger-format.md, "The clock", states the rules.

The ledger refuses to append while its last entry is dated too far ahead of the writer's clock.
An administrator's signed ``ClockCorrected`` entry, dated by real time, lets appends resume;
times recorded before it and later than it are read as its own (``effective_ts``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from govern.errors import BadInput
from govern.ledger import Entry
from govern.ledger.entry import now_ts
from govern.records import ClockCorrected, subjects
from govern.registry import people

if TYPE_CHECKING:
    from govern.registry.core import Registry


def ahead(reg: Registry) -> tuple[int, str] | None:
    """The first entry dated too far ahead of this machine's clock, as (seq, ts), if any."""
    return reg.ledger.first_ahead()


def correct(reg: Registry, reason: str) -> Entry:
    """Record an administrator's clock correction; appends resume at real time after it."""
    if not reason.strip():
        raise BadInput("give the reason for the correction with --reason")
    people.require_active(reg, reg.actor, "administrator")
    first = ahead(reg)
    if first is None:
        head = reg.ledger.head()
        raise BadInput(
            f"the log's clock is not ahead: its last entry is dated {head.last_ts} and this "
            f"machine's clock reads {now_ts()}; there is nothing to correct",
        )
    return reg.record(
        ClockCorrected(
            subject=subjects.CLOCK,
            ahead_from=first[0],
            was=reg.ledger.head().last_ts,
            reason=reason.strip(),
        )
    )


def effective_ts(reg: Registry, entry: Entry) -> str:
    """The time an entry is read as: its own, or, when a later clock correction is dated
    earlier, the correction's (a future-dated time is never believed)."""
    from govern.registry import trusted

    return trusted.effective(trusted.view(reg), entry.seq, entry.ts)
