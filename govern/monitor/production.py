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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from sqlalchemy import inspect, select

from govern.ledger.entry import payload_bytes
from govern.ledger.schema import EntryRow
from govern.records import PredictionLogged
from govern.registry import erasable

if TYPE_CHECKING:
    from govern.registry.core import Registry

__all__ = ["Chunk", "chunks", "period_bounds"]

_E = EntryRow.__table__  # type: ignore[attr-defined]
_I = erasable.inputs
#: Entries per query.
CHUNK = 20_000


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
    # the stored rows as parsed (a pyarrow table), when asked for instead of ``features``
    table: Any = None


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
    arrow: bool = False,
) -> Iterator[Chunk]:
    """The decisions of ``model`` dated in [start, end), chunk by chunk."""
    first, stop = period_bounds(reg, start, end)
    needle = b'"model":"' + model.encode() + b'"'
    schema = _schema(numeric, categorical)
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    engine = reg.ledger.engine
    with engine.connect() as conn:
        inputs_present = bool(inspect(conn).has_table(_I.name))
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    row_col = "i.input_row" if inputs_present else "NULL"
    join = f" LEFT JOIN {_I.name} i ON i.seq = e.seq" if inputs_present else ""
    sql = (
        f"SELECT e.seq, e.ts, e.body, e.leaf, {row_col} FROM {_E.name} e{join} "
        f"WHERE e.seq >= {mark} AND e.seq < {mark} AND e.kind = {mark} ORDER BY e.seq"
    )

    def fetch(lo: int) -> Chunk | None:
        """One chunk, read on a connection of its own and parsed: the next chunk is read and
        parsed while the caller works on this one (the driver and pyarrow release the
        interpreter lock while they work)."""
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(sql, (lo, min(lo + size, stop), PredictionLogged.KIND))
            rows = cursor.fetchall()
            cursor.close()
        finally:
            raw.close()
        fetched = [r for r in rows if start <= r[1] < end and needle in r[2]]
        return _chunk(fetched, model, numeric, categorical, options, arrow)

    starts = list(range(first, stop, size))
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(fetch, starts[0]) if starts else None
        for k in range(len(starts)):
            assert pending is not None
            chunk = pending.result()
            pending = pool.submit(fetch, starts[k + 1]) if k + 1 < len(starts) else None
            if chunk is not None:
                yield chunk


def _chunk(
    fetched: list[Any],
    model: str,
    numeric: Sequence[str],
    categorical: Sequence[str],
    options: Any,
    arrow: bool = False,
) -> Chunk | None:
    """The rows of ``model`` among ``fetched``, parsed by column."""
    if not fetched:
        return None
    scanned = PredictionLogged.scan_columns([payload_bytes(bytes(r[2])) for r in fetched])
    mask = pc.equal(scanned.column("model"), model).to_numpy(zero_copy_only=False)
    if not mask.any():
        return None
    mine = scanned.filter(pa.array(mask))
    rows = [fetched[i] for i in np.flatnonzero(mask)]
    inputs = [bytes(r[4]) for r in rows if r[4] is not None]
    digest = hashlib.sha256()
    digest.update(b"".join(bytes(r[3]) for r in rows))
    digest.update(b"".join(inputs))
    features: dict[str, Any] = {}
    table = None
    if inputs and arrow:
        table = pj.read_json(io.BytesIO(b"\n".join(inputs)), parse_options=options)
    elif inputs:
        parsed = pj.read_json(io.BytesIO(b"\n".join(inputs)), parse_options=options)
        for name in numeric:
            features[name] = parsed.column(name).to_numpy(zero_copy_only=False)
        for name in categorical:
            features[name] = parsed.column(name).to_pandas().to_numpy(dtype=object)
    else:
        for name in numeric:
            features[name] = np.zeros(0, dtype="float64")
        for name in categorical:
            features[name] = np.zeros(0, dtype=object)
    return Chunk(
        seqs=np.fromiter((r[0] for r in rows), dtype="int64", count=len(rows)),
        ts=[r[1] for r in rows],
        ids=mine.column("id").to_pylist(),
        scores=pc.cast(mine.column("score"), pa.float64()).to_numpy(),
        decisions=mine.column("decision").to_pylist(),
        stored=np.fromiter((r[4] is not None for r in rows), bool, len(rows)),
        features=features,
        digest=digest.digest(),
        table=table,
    )
