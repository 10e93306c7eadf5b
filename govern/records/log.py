"""Entry 0: the log's name, format and checkpoint verifier key (docs/ledger-format.md)."""

from __future__ import annotations

from dataclasses import dataclass

from govern.records._codec import optional
from govern.records.base import Record


@dataclass(frozen=True)
class LogCreated(Record, kind="log.created"):
    origin: str
    format: str
    hash: str
    verifier_key: str
    govern_version: str


@dataclass(frozen=True)
class SignaturesRequired(Record, kind="log.signatures_required"):
    """From this entry on, every entry a person or service makes must be signed by them
    (written once, by the first govern that signs, into a ledger older than signatures)."""

    subject: str
    rule: str
    govern_version: str


@dataclass(frozen=True)
class ClockCorrected(Record, kind="log.clock_corrected", purpose="clock", action="correct-clock"):
    """An administrator's repair of a log whose clock a future-dated entry froze: this entry is
    dated by real time, earlier than the entry before it, and appends resume at real time after
    it. Times recorded from ``ahead_from`` up to this entry are read as no later than this
    entry's own (docs/ledger-format.md, "The clock")."""

    subject: str
    ahead_from: int  # the first entry dated too far ahead
    was: str  # the log's last time before the correction
    reason: str
    signature: str | None = optional()  # SSHSIG of its author over the rest (docs/records.md)
