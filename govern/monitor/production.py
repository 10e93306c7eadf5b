"""Reading a model's logged decisions back, in chunks (docs/monitoring.md, "What is read").

The decisions of a period are the ``prediction.logged`` entries between two positions, found by
their time (entry times only move forward, within the clock's tolerance, so a binary search on
positions finds the period's ends; every entry read is then filtered by its own time). Each
chunk is one query joining the entries to their stored inputs; the inputs, canonical JSON rows,
are parsed by column with pyarrow, never row by row. An entry whose input was erased is counted
and left out of the input drift (its score still counts).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.json as pj
from sqlalchemy import inspect, null, select

from govern.ledger.entry import read_envelope
from govern.ledger.schema import EntryRow
from govern.records import PredictionLogged
from govern.registry import erasable

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = ["Chunk", "chunks", "period_bounds"]

_E = EntryRow.__table__  # type: ignore[attr-defined]
_I = erasable.inputs
#: Entries per query.
CHUNK = 50_000


@dataclass
class Chunk:
    """A chunk of one model's logged decisions: parallel arrays, and the features by column
    for the decisions whose input is still stored (``stored`` marks them)."""

    seqs: np.ndarray[Any, Any]
    ts: list[str]
    ids: list[str]
    scores: np.ndarray[Any, np.dtype[np.float64]]
    decisions: list[str | None]
    stored: np.ndarray[Any, np.dtype[np.bool_]]
    features: dict[str, np.ndarray[Any, Any]]  # name -> values of the stored rows
    digest: bytes  # SHA-256 of the entries' leaf hashes and the stored rows read


def _seq_at(reg: Registry, ts: str, size: int) -> int:
    """The first position whose entry is dated at or after ``ts`` (binary search)."""
    lo, hi = 0, size
    with reg.ledger.engine.connect() as conn:
        while lo < hi:
            mid = (lo + hi) // 2
            at = conn.execute(select(_E.c.ts).where(_E.c.seq == mid)).scalar_one()
            if at < ts:
                lo = mid + 1
            else:
                hi = mid
    return lo


def period_bounds(reg: Registry, start: str, end: str) -> tuple[int, int]:
    """Positions [first, stop) that hold every entry dated in [start, end) (a little more:
    the clock's tolerance lets neighbours be out of order; the reader filters by time)."""
    size = reg.ledger.size
    first = max(_seq_at(reg, start, size) - 1_000, 0)
    stop = min(_seq_at(reg, end, size) + 1_000, size)
    return first, stop


def _schema(numeric: Sequence[str], categorical: Sequence[str]) -> pa.Schema:
    fields = [pa.field(n, pa.float64()) for n in numeric]
    fields += [pa.field(n, pa.string()) for n in categorical]
    return pa.schema(fields)


def chunks(
    reg: Registry,
    model: str,
    start: str,
    end: str,
    *,
    numeric: Sequence[str],
    categorical: Sequence[str],
    size: int = CHUNK,
) -> Iterator[Chunk]:
    """The decisions of ``model`` dated in [start, end), chunk by chunk."""
    first, stop = period_bounds(reg, start, end)
    needle = b'"model":"' + model.encode() + b'"'
    schema = _schema(numeric, categorical)
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    with reg.ledger.engine.connect() as conn:
        inputs_present = bool(inspect(conn).has_table(_I.name))
        for lo in range(first, stop, size):
            hi = min(lo + size, stop)
            columns = (_E.c.seq, _E.c.ts, _E.c.body, _E.c.leaf)
            where = (_E.c.seq >= lo, _E.c.seq < hi, _E.c.kind == PredictionLogged.KIND)
            if inputs_present:
                query = (
                    select(*columns, _I.c.input_row)
                    .select_from(_E.outerjoin(_I, _I.c.seq == _E.c.seq))
                    .where(*where)
                    .order_by(_E.c.seq)
                )
            else:
                query = select(*columns, null()).where(*where).order_by(_E.c.seq)
            seqs: list[int] = []
            ts: list[str] = []
            ids: list[str] = []
            scores: list[float] = []
            decisions: list[str | None] = []
            stored: list[bool] = []
            rows: list[bytes] = []
            digest = hashlib.sha256()
            for seq, at, body, leaf, row in conn.execute(query):
                if at < start or at >= end:
                    continue
                payload = read_envelope(bytes(body), seq).payload_json
                if needle not in payload:
                    continue
                scanned = PredictionLogged.scan(payload)
                if scanned.model != model:
                    continue
                seqs.append(seq)
                ts.append(at)
                ids.append(scanned.id)
                scores.append(float(scanned.score))
                decisions.append(scanned.decision)
                digest.update(bytes(leaf))
                if row is not None:
                    raw = bytes(row)
                    rows.append(raw)
                    digest.update(raw)
                stored.append(row is not None)
            if not seqs:
                continue
            features: dict[str, np.ndarray[Any, Any]] = {}
            if rows:
                table = pj.read_json(io.BytesIO(b"\n".join(rows)), parse_options=options)
                for name in numeric:
                    features[name] = table.column(name).to_numpy(zero_copy_only=False)
                for name in categorical:
                    features[name] = np.asarray(table.column(name).to_pylist(), dtype=object)
            else:
                for name in numeric:
                    features[name] = np.zeros(0, dtype="float64")
                for name in categorical:
                    features[name] = np.zeros(0, dtype=object)
            yield Chunk(
                seqs=np.asarray(seqs, dtype="int64"),
                ts=ts,
                ids=ids,
                scores=np.asarray(scores, dtype="float64"),
                decisions=decisions,
                stored=np.asarray(stored, dtype=bool),
                features=features,
                digest=digest.digest(),
            )
