"""Full verification of a stored ledger (docs/ledger-format.md; `govern verify`).

Recomputes every leaf hash from the stored bytes, the hash chain, every stored subtree node, the
root and the head; checks the indexed columns against the bytes, every kept checkpoint, that the
guards are in force, and, given a checkpoint held outside the database, that the log is an
append-only extension of it. The first failure raises the ``LedgerCorrupt`` subclass for its
kind, naming the entry.

A large log is checked in two halves at once, one in a child process: the second half starts
from the chain tip and subtree hashes stored before its first entry, and those are exactly what
the first half checks, so the split loses nothing.
"""

from __future__ import annotations

import binascii
import hashlib
import multiprocessing as mp
import os
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, select

from govern.errors import (
    BadInput,
    ChainBroken,
    CheckpointInvalid,
    EntryCorrupt,
    FutureDated,
    GovernError,
    GuardsMissing,
    HeadMismatch,
    InconsistentWithCheckpoint,
    IndexMismatch,
    LedgerCorrupt,
    TreeMismatch,
)
from govern.ledger import clock, merkle
from govern.ledger.checkpoint import Checkpoint, open_checkpoint
from govern.ledger.entry import TS_RE, envelope_head, now_ts, payload_subject
from govern.ledger.guards import missing_guards
from govern.ledger.jcs import canonicalize
from govern.ledger.note import Verifier
from govern.ledger.schema import CheckpointRow, HeadRow
from govern.ledger.store import Ledger

_H = HeadRow.__table__  # type: ignore[attr-defined]
_C = CheckpointRow.__table__  # type: ignore[attr-defined]
_STR = rb'("(?:[^"\\]|\\.)*")'
# The whole canonical entry: keys in RFC 8785 order, payload between two fixed-shape parts.
_ENTRY_RE = re.compile(
    rb'\{"actor":' + _STR + rb',"kind":' + _STR + rb',"log":' + _STR + rb',"payload":(.*)'
    rb',"prev":"([0-9a-f]{64})","seq":(0|[1-9][0-9]*),"ts":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d'
    rb'\.\d{6}Z)","v":1\}',
    re.S,
)
PARALLEL_FROM = 200_000  # below this a child process costs more than it saves
_PARTITION = 20_000

Progress = Callable[[int], None]


@dataclass(frozen=True)
class VerifyReport:
    """What a clean verification established."""

    origin: str
    size: int
    root: bytes
    nodes: int
    checkpoints: int
    against: Checkpoint | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class _Range:
    """The state a range check starts from and ends with."""

    start: int
    stop: int
    prev: bytes  # hex of the leaf before ``start``
    frontier: list[bytes]
    last_ts: str
    roots: dict[int, bytes] = field(default_factory=dict)
    last_leaf: bytes = b""
    before_last: bytes = b""


def _unquote(token: bytes) -> str:
    if b"\\" not in token:
        return token[1:-1].decode("utf-8")
    value: str = orjson.loads(token)
    return value


def _chain_break(
    seq: int, last_leaf: bytes, before_last: bytes, stored_nodes: bytes | None
) -> ChainBroken:
    """Name the likelier culprit when entry ``seq`` records another predecessor.

    Either entry seq-1 was rewritten (bytes and leaf together) or entry seq was inserted or
    replaced. When seq-1 closes a pair, the level-1 node stored with it tells which.
    """
    before = seq - 1
    if before % 2 == 1 and stored_nodes is not None and before_last:
        pair = hashlib.sha256(b"\x01" + before_last + last_leaf).digest()
        if stored_nodes[:32] == pair:
            return ChainBroken(
                f"entry {seq} does not follow entry {before}: it records a different hash for "
                "its predecessor, so it was inserted or replaced",
                seq=seq,
            )
    return ChainBroken(
        f"entry {before} has been altered or replaced: entry {seq} records a different hash "
        "for the entry before it",
        seq=before,
    )


def _diagnose(
    body: bytes,
    seq: int,
    prev: bytes,
    log_token: bytes,
    origin: str,
    columns: tuple[str, str, str],
    last_leaf: bytes,
    before_last: bytes,
    prev_nodes: bytes | None,
) -> tuple[bytes, str]:
    """The slow path: say exactly what is wrong with an entry the fast path rejected."""
    m = _ENTRY_RE.fullmatch(body)
    if m is None:
        raise EntryCorrupt(f"entry {seq} is not a canonical ledger entry", seq=seq)
    a_tok, k_tok, log_tok, _payload, prev_tok, seq_tok, ts_tok = m.groups()
    if int(seq_tok) != seq:
        raise ChainBroken(
            f"entry {seq} has been moved: its bytes say it is entry {int(seq_tok)}", seq=seq
        )
    if prev_tok != prev:
        if seq == 0:
            raise ChainBroken("entry 0 must name no predecessor (prev of zeros)", seq=0)
        raise _chain_break(seq, last_leaf, before_last, prev_nodes)
    if log_tok != log_token:
        raise EntryCorrupt(
            f"entry {seq} belongs to log {_unquote(log_tok)!r}, not {origin!r}", seq=seq
        )
    kind, actor, ts = columns
    entry_ts = ts_tok.decode("ascii")
    if ts != entry_ts or kind != _unquote(k_tok) or actor != _unquote(a_tok):
        raise IndexMismatch(
            f"entry {seq}'s indexed columns (kind, actor, ts) disagree with its bytes", seq=seq
        )
    # Same fields, other bytes: a non-canonical spelling of the same envelope.
    raise EntryCorrupt(f"entry {seq} is not in canonical form", seq=seq)


def _stream(conn: Connection, start: int, stop: int) -> Any:
    """Entry rows in seq order, in lists, straight from the driver (server-side on PostgreSQL)."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    sql = (
        "SELECT seq, kind, subject, ts, actor, leaf, body, nodes FROM ledger_entries "
        "WHERE seq >= {m} AND seq < {m} ORDER BY seq"
    )
    if conn.dialect.name == "sqlite":
        cur = raw.cursor()
        cur.execute(sql.format(m="?"), (start, stop))
    else:
        cur = raw.cursor(name="govern_verify")
        cur.itersize = _PARTITION  # type: ignore[attr-defined]
        cur.execute(sql.format(m="%s"), (start, stop))
    try:
        while rows := cur.fetchmany(_PARTITION):
            yield rows
    finally:
        cur.close()


def _check_range(
    conn: Connection, origin: str, state: _Range, want: set[int], progress: Progress | None
) -> _Range:
    """Check entries [start, stop): bytes, leaf, chain, position, time, columns, nodes."""
    sha = hashlib.sha256
    hexlify = binascii.hexlify
    push = merkle.frontier_push
    log_token = canonicalize(origin)
    frontier = state.frontier
    prev = state.prev
    last_ts = state.last_ts
    last_leaf = state.last_leaf
    before_last = state.before_last
    prev_nodes: bytes | None = None
    expected = state.start
    for rows in _stream(conn, state.start, state.stop):
        for seq, kind, subject, ts, actor, stored_leaf, body, nodes in rows:
            if seq != expected:
                what = "missing" if seq > expected else "duplicated"
                raise ChainBroken(
                    f"entry {expected} is {what}: the stored entries jump to {seq}", seq=expected
                )
            if not isinstance(body, bytes):
                if not isinstance(body, memoryview):
                    # SQLite hands back a rewritten blob as text; it is corrupt either way.
                    raise EntryCorrupt(f"entry {seq}'s stored bytes have been rewritten", seq=seq)
                body = bytes(body)
            leaf = sha(b"\x00" + body).digest()
            if leaf != stored_leaf:
                raise EntryCorrupt(
                    f"entry {seq} has been altered: its bytes do not hash to its stored leaf hash",
                    seq=seq,
                )
            # Fast path: the entry must be exactly the envelope its columns and its position
            # imply around some payload; two C-level comparisons check all of it.
            try:
                head_bytes = envelope_head(kind, actor, origin)
                tail = b"".join(
                    (
                        b',"prev":"',
                        prev,
                        b'","seq":',
                        str(seq).encode(),
                        b',"ts":"',
                        str(ts).encode(),
                        b'","v":1}',
                    )
                )
            except (BadInput, UnicodeEncodeError):
                # a column an insider rewrote with bytes that are not UTF-8 text
                raise EntryCorrupt(
                    f"entry {seq}'s index columns hold bytes that are not UTF-8 text: they "
                    "were rewritten",
                    seq=seq,
                ) from None
            if (
                body.startswith(head_bytes)
                and body.endswith(tail)
                and len(body) > len(head_bytes) + len(tail)
            ):
                payload = body[len(head_bytes) : len(body) - len(tail)]
                entry_ts = ts
            else:
                payload, entry_ts = _diagnose(
                    body,
                    seq,
                    prev,
                    log_token,
                    origin,
                    (kind, actor, ts),
                    last_leaf,
                    before_last,
                    prev_nodes,
                )
            if entry_ts != last_ts and (
                (entry_ts < last_ts and kind != clock.CORRECTED) or not TS_RE.match(entry_ts)
            ):
                raise ChainBroken(
                    f"entry {seq}'s time {entry_ts} goes backwards from {last_ts} or is not "
                    "RFC 3339 UTC with microseconds",
                    seq=seq,
                )
            if subject != payload_subject(payload, seq):
                raise IndexMismatch(
                    f"entry {seq}'s indexed subject {subject!r} disagrees with its bytes", seq=seq
                )
            if push(frontier, seq, leaf) != nodes:
                raise TreeMismatch(
                    f"the subtree hashes stored with entry {seq} do not match the entries "
                    "before it",
                    seq=seq,
                )
            if seq + 1 in want:
                state.roots[seq + 1] = merkle.frontier_root(frontier)
            prev = hexlify(leaf)
            prev_nodes = nodes
            before_last, last_leaf = last_leaf, leaf
            last_ts = entry_ts
            expected += 1
        if progress is not None:
            progress(len(rows))
    if expected != state.stop:
        raise ChainBroken(
            f"entry {expected} is missing: the stored entries end before {state.stop}",
            seq=expected,
        )
    state.prev, state.last_ts, state.last_leaf, state.before_last = (
        prev,
        last_ts,
        last_leaf,
        before_last,
    )
    return state


def _start_state(conn: Connection, start: int) -> _Range:
    """The state at ``start`` taken from storage (the earlier range's check vouches for it)."""
    if start == 0:
        return _Range(0, 0, b"0" * 64, [], "")
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    coords = merkle.perfect_subtrees(0, start)
    rows = {((i + 1) << lv) - 1 for lv, i in coords} | {start - 1}
    stored = {
        seq: (bytes(leaf), bytes(nodes), ts)
        for seq, leaf, nodes, ts in conn.exec_driver_sql(
            "SELECT seq, leaf, nodes, ts FROM ledger_entries WHERE seq IN "
            f"({', '.join([mark] * len(rows))})",
            tuple(sorted(rows)),
        )
    }
    frontier = []
    for lv, i in coords:
        leaf, nodes, _ = stored[((i + 1) << lv) - 1]
        frontier.append(leaf if lv == 0 else nodes[32 * (lv - 1) : 32 * lv])
    leaf, _nodes, ts = stored[start - 1]
    return _Range(start, 0, binascii.hexlify(leaf), frontier, ts, last_leaf=leaf)


def _child(url: str, origin: str, stop: int, want: set[int], readonly: bool) -> tuple[Any, ...]:
    """Check [0, stop) in a child process; errors come back as plain data."""
    ledger = Ledger.open(url, readonly=readonly)
    try:
        with ledger.engine.connect() as conn:
            state = _start_state(conn, 0)
            state.stop = stop
            done = _check_range(conn, origin, state, want, None)
            return ("ok", done.roots)
    except LedgerCorrupt as exc:
        return ("error", type(exc).__name__, exc.message, exc.seq)
    finally:
        ledger.close()


def _raise(name: str, message: str, seq: int | None) -> None:
    import govern.errors as errors

    cls = getattr(errors, name, LedgerCorrupt)
    raise cls(message, seq=seq)


def verify_ledger(
    ledger: Ledger,
    *,
    checkpoint: str | None = None,
    verifier: Verifier | None = None,
    progress: Progress | None = None,
    parallel: bool | None = None,
) -> VerifyReport:
    """Verify everything; raise the first failure, or return what was established.

    ``verifier`` is the log's checkpoint key as the auditor holds it; by default the key recorded
    in entry 0 is used (which proves only that the log is self-consistent).
    """
    log_verifier = Verifier.from_string(ledger.log_created()["verifier_key"])
    if verifier is not None and verifier.key_id != log_verifier.key_id:
        raise CheckpointInvalid(
            f"the verifier key you hold ({verifier.name}+{verifier.key_id:08x}) is not the "
            "key recorded in this log's first entry",
            hint="check that you are verifying the right registry with the right key",
        )
    trusted = verifier or log_verifier
    against = None
    if checkpoint is not None:
        against = open_checkpoint(checkpoint, trusted, ledger.origin)

    now = now_ts()
    with ledger.engine.connect() as conn, conn.begin():
        head = conn.execute(select(_H).where(_H.c.id == 1)).one()
        kept = conn.execute(select(_C).order_by(_C.c.n)).all()
        size = conn.exec_driver_sql(
            "SELECT COALESCE(MAX(seq), -1) + 1 FROM ledger_entries"
        ).scalar_one()
        size = max(size, head.size)
        want = {row.size for row in kept} | ({against.size} if against else set())
        split = 0
        if parallel is None:
            parallel = size >= PARALLEL_FROM and (os.cpu_count() or 1) > 1
        if parallel and size >= 2:
            split = size // 2
        future = None
        pool = None
        if split:
            pool = ProcessPoolExecutor(1, mp_context=mp.get_context("fork"))
            future = pool.submit(
                _child,
                ledger.url,
                ledger.origin,
                split,
                {s for s in want if s <= split},
                ledger.readonly,
            )
            if progress is not None:
                progress(split)  # the child's half, counted up front
        try:
            state = _start_state(conn, split)
            state.stop = size
            error: GovernError | None = None
            try:
                state = _check_range(conn, ledger.origin, state, want, progress)
            except LedgerCorrupt as exc:
                error = exc
            if future is not None:
                outcome = future.result()
                if outcome[0] == "error":
                    _raise(*outcome[1:])
                state.roots.update(outcome[1])
            if error is not None:
                raise error
        finally:
            if pool is not None:
                pool.shutdown()
        root = merkle.frontier_root(state.frontier)
        state.roots[size] = root
        state.roots[0] = merkle.EMPTY_ROOT
        if head.size != size:
            raise HeadMismatch(
                f"the head says the log holds {head.size} entries but {size} are stored",
                seq=min(head.size, size),
            )
        if bytes(head.root) != root:
            raise HeadMismatch("the head's root hash does not match the entries")
        if bytes(head.tip) != (state.last_leaf or bytes(32)):
            raise HeadMismatch("the head's chain tip is not the last entry's hash")
        if bytes(head.frontier) != b"".join(state.frontier):
            raise HeadMismatch("the head's frontier does not match the entries")
        if size and head.last_ts != state.last_ts:
            raise HeadMismatch("the head's last timestamp is not the last entry's")
        if head.origin != ledger.origin:
            raise HeadMismatch("the head's origin has changed")

        for row in kept:
            try:
                cp = open_checkpoint(row.note, trusted, ledger.origin)
            except GovernError as exc:
                raise TreeMismatch(
                    f"kept checkpoint {row.n} does not verify: {exc.message}"
                ) from exc
            if cp.size != row.size or cp.root != bytes(row.root):
                raise IndexMismatch(f"kept checkpoint {row.n}'s columns disagree with its note")
            if cp.size > size or state.roots.get(cp.size) != cp.root:
                raise InconsistentWithCheckpoint(
                    f"the log is not an append-only extension of its own checkpoint {row.n} "
                    f"(size {cp.size})"
                )
        problems = missing_guards(conn)
        ahead = clock.first_ahead(conn, now)

    if against is not None:
        if against.size > size:
            raise InconsistentWithCheckpoint(
                f"the log holds {size} entries but your checkpoint saw {against.size}: "
                "entries were removed since",
                seq=size,
            )
        if against.size:
            proof = ledger.consistency_proof(against.size, size)
            try:
                merkle.verify_consistency(against.size, size, against.root, root, proof)
            except GovernError as exc:
                raise InconsistentWithCheckpoint(
                    f"the log has been rewritten since your checkpoint of size {against.size}: "
                    "it is not an append-only extension of it",
                ) from exc
        if state.roots.get(against.size) != against.root:
            raise InconsistentWithCheckpoint(
                f"the first {against.size} entries no longer hash to your checkpoint's root"
            )
    if ahead is not None:
        raise FutureDated(
            f"entry {ahead[0]} is dated {ahead[1]}, {clock.describe(ahead[1], now)} after this "
            f"moment ({now}); every entry after it was dated no earlier",
            seq=ahead[0],
            hint="an administrator repairs the log with `govern clock correct --reason TEXT` "
            '(docs/ledger-format.md, "The clock")',
        )
    if problems:
        raise GuardsMissing(
            "the append-only guards are not in force: " + "; ".join(problems),
            hint="someone has altered the database schema; verify against a checkpoint you hold "
            "(`govern verify --checkpoint FILE`), then restore them with `govern guards --install`",
        )
    return VerifyReport(
        origin=ledger.origin,
        size=size,
        root=root,
        nodes=size - bin(size).count("1"),
        checkpoints=len(kept),
        against=against,
    )
