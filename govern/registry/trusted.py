"""What a gate decides from: the ledger's governance entries, checked, replayed, folded.

The registry's tables (``projections.py``) are caches for listings: anyone with the database can
edit them, so no gate trusts them (docs/registry.md, "What a gate trusts"). A gate reads the
rows it relies on through ``rows``: they come from the governance entries of the guarded
``ledger_entries`` table (everything but the predictions), each one's bytes checked against its
leaf hash and its columns (``check_entry``), its signature and its author's authority
re-verified in ledger order (``audit.Replay``, the replay ``govern verify`` runs), folded into
rows (``projections.Fold``). The stored rows for the same key must be the same, or the gate
refuses with ProjectionStale naming the table and the entry (``govern rebuild`` repairs them).

The view is kept per open registry and advanced from the last position it read, so a gate pays
one indexed query for what was appended since, and a signature is checked once per process.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table

from govern.errors import AuthorityBroken, StatementReplayed
from govern.ledger import Entry
from govern.records import (
    KINDS,
    ClockCorrected,
    KeyRotated,
    OutcomesRecorded,
    PersonRevoked,
    PredictionBatch,
    PredictionErased,
    PredictionLogged,
    PredictionOverridden,
)
from govern.registry import projections as proj
from govern.registry.audit import Replay

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = ["GOVERNANCE", "View", "accepted", "effective", "rows", "view"]

#: The per-decision kinds: looked up by their subject, never replayed by the gates' view (no gate
#: decides from an outcome either: monitoring reads them by their subject).
PREDICTIONS = (
    PredictionLogged.KIND,
    PredictionBatch.KIND,
    PredictionErased.KIND,
    PredictionOverridden.KIND,
    OutcomesRecorded.KIND,
)
#: Every other kind govern writes: people, keys, policy, data, models, approvals, deployments,
#: findings, documents and the log's own entries.
GOVERNANCE = tuple(sorted(k for k in KINDS if k not in PREDICTIONS))

# Columns holding an entry's own time: read through a later clock correction (``effective``).
_ENTRY_TIMES = frozenset({"ts", "signed_at", "raised_at", "closed_at", "revoked_at"})
_ROW_TYPES: dict[str, Any] = {t.name: namedtuple(t.name, t.columns.keys()) for t in proj.TABLES}


class View:
    """The governance entries up to ``seen``, verified and folded."""

    def __init__(self, origin: str) -> None:
        self.replay = Replay(origin, {})
        self.fold = proj.Fold()
        self.seen = -1
        # (seq, ts) of every clock correction, in ledger order
        self.corrections: list[tuple[int, str]] = []
        self.revocations: list[tuple[Entry, PersonRevoked]] = []
        self.rotations: list[tuple[Entry, KeyRotated]] = []
        # Entries whose signature or authority does not verify: they count for nothing, and a
        # gate whose rows they would change refuses with their error.
        self.rejected: dict[int, AuthorityBroken | StatementReplayed] = {}
        self.lock = threading.Lock()

    def advance(self, reg: Registry) -> View:
        with self.lock:
            for entry in reg.ledger.checked(kinds=GOVERNANCE, after=self.seen):
                record = reg.parsed(entry)
                self.seen = entry.seq
                try:
                    self.replay.checked(entry, record)
                except (AuthorityBroken, StatementReplayed) as exc:
                    self.rejected[entry.seq] = exc
                    continue
                self.fold.apply(entry, record)
                if isinstance(record, ClockCorrected):
                    self.corrections.append((entry.seq, entry.ts))
                elif isinstance(record, PersonRevoked):
                    self.revocations.append((entry, record))
                elif isinstance(record, KeyRotated):
                    self.rotations.append((entry, record))
                self.seen = entry.seq
        return self


def view(reg: Registry) -> View:
    """The registry's view, brought up to the ledger's last entry."""
    current = reg._view
    if current is None:
        current = reg._view = View(reg.origin)
    return current.advance(reg)


def accepted(reg: Registry, entries: list[Entry]) -> list[Entry]:
    """``entries`` (checked, of governance kinds) without those whose signature or authority
    failed the view's replay: what a gate reading entries by subject may rely on."""
    rejected = view(reg).rejected
    return [e for e in entries if e.seq not in rejected]


def effective(v: View, seq: int, ts: str) -> str:
    """The time entry ``seq`` is read as: its own, or that of a later clock correction dated
    before it (docs/ledger-format.md, "The clock": a future-dated time is never believed)."""
    for fix_seq, fix_ts in v.corrections:
        if fix_seq > seq and fix_ts < ts:
            return fix_ts
    return ts


def rows(
    reg: Registry,
    table: Table,
    keep: Callable[[Any], bool] | None = None,
    **equal: Any,
) -> list[Any]:
    """The rows of ``table`` whose columns equal ``equal`` (all rows when none is given), by
    primary key, from the verified ledger; ``keep`` filters them further. The stored rows for
    the same columns must be exactly these, or ProjectionStale."""
    v = view(reg)
    names = table.columns.keys()
    index = [(names.index(k), value) for k, value in equal.items()]
    expected = [r for r in v.fold.rows(table) if all(r[i] == value for i, value in index)]
    stored = [
        tuple(r)
        for r in reg.rows(
            table,
            *[table.c[k] == value for k, value in equal.items()],
            order=list(table.primary_key.columns),
        )
    ]
    error = proj.disagreement(table, expected, stored)
    if error is not None:
        seq_at = names.index("seq")
        for r in stored:
            if r[seq_at] in v.rejected:
                raise v.rejected[r[seq_at]]
        raise error
    row_type = _ROW_TYPES[table.name]
    out = [row_type(*r) for r in expected]
    if v.corrections:
        seq_at = names.index("seq")
        times = [names.index(n) for n in names if n in _ENTRY_TIMES]
        out = [
            row_type(
                *[
                    effective(v, r[seq_at], value) if i in times and value else value
                    for i, value in enumerate(r)
                ]
            )
            for r in out
        ]
    if keep is not None:
        out = [r for r in out if keep(r)]
    return out
