"""The signed result of a full verification (``govern verify --record``; docs/auditor.md,
"The ledger's state").

A ``verify.completed`` entry says what one run of ``govern verify`` found: the ledger's size
and root it checked, whether every check passed, the exit code it gave and its problem lines.
It is signed by whoever ran it, so the auditor's ledger page can show the last verification
and when it ran without trusting the web server's word for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from govern.ledger import Entry
from govern.records import VerifyCompleted, subjects
from govern.registry import trusted

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = ["Outcome", "RecordedVerification", "failed_at_head", "latest", "record"]


@dataclass(frozen=True)
class Outcome:
    """What a verification found: ``size`` and ``root`` are the tree it checked (or, when it
    failed before it could say, the head the database holds)."""

    size: int
    root: bytes
    ok: bool
    code: int
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordedVerification:
    """A recorded verification: its entry, when and by whom, and what it found."""

    entry: int
    ts: str
    actor: str
    size: int
    root: str  # hex
    ok: bool
    code: int
    problems: tuple[str, ...]


def record(reg: Registry, outcome: Outcome) -> Entry:
    """Append the outcome as a signed ``verify.completed`` entry (the registry's signer)."""
    return reg.record(
        VerifyCompleted(
            subject=subjects.VERIFY,
            size=outcome.size,
            root=outcome.root.hex(),
            ok=outcome.ok,
            code=outcome.code,
            problems=tuple(outcome.problems),
        )
    )


def failed_at_head(reg: Registry, code: int, problems: tuple[str, ...]) -> Outcome:
    """The outcome of a verification that stopped with an error, at the head the database
    holds (the run never reached a size and root of its own)."""
    head = reg.ledger.head()
    return Outcome(head.size, head.root, False, code, problems)


def latest(reg: Registry) -> RecordedVerification | None:
    """The last recorded verification whose signature and authority verify, if any."""
    found = trusted.accepted(
        reg, reg.ledger.checked(subject=subjects.VERIFY, kinds=[VerifyCompleted.KIND])
    )
    if not found:
        return None
    entry = found[-1]
    r = VerifyCompleted.from_entry(entry)
    return RecordedVerification(
        entry.seq, entry.ts, entry.actor, r.size, r.root, r.ok, r.code, tuple(r.problems)
    )
