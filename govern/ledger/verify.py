"""Full verification of a stored ledger (LEDGER.md; `govern verify`).

Recomputes every leaf hash from the stored bytes, the hash chain, every stored subtree node, the
root and the head; checks the indexed columns against the bytes, every kept checkpoint, that the
guards are in force, and, given a checkpoint held outside the database, that the log is an
append-only extension of it. The first failure found raises the ``LedgerCorrupt`` subclass for its
kind, naming the entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
from sqlalchemy import Connection, select

from govern.errors import (
    ChainBroken,
    CheckpointInvalid,
    EntryCorrupt,
    GovernError,
    GuardsMissing,
    HeadMismatch,
    InconsistentWithCheckpoint,
    IndexMismatch,
    TreeMismatch,
)
from govern.ledger import merkle
from govern.ledger.checkpoint import Checkpoint, open_checkpoint
from govern.ledger.entry import TS_RE, ZERO_HASH, read_envelope
from govern.ledger.guards import missing_guards
from govern.ledger.note import Verifier
from govern.ledger.schema import CheckpointRow, EntryRow, HeadRow, NodeRow
from govern.ledger.store import Ledger

_E = EntryRow.__table__  # type: ignore[attr-defined]
_N = NodeRow.__table__  # type: ignore[attr-defined]
_H = HeadRow.__table__  # type: ignore[attr-defined]
_C = CheckpointRow.__table__  # type: ignore[attr-defined]
_SUBJECT = b'"subject":'

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


def _subject_of(payload_json: bytes, seq: int) -> str | None:
    if _SUBJECT not in payload_json:
        return None
    try:
        payload = orjson.loads(payload_json)
    except orjson.JSONDecodeError as exc:
        raise EntryCorrupt(f"entry {seq}'s payload is not valid JSON", seq=seq) from exc
    subject = payload.get("subject") if isinstance(payload, dict) else None
    return subject if isinstance(subject, str) else None


def _chain_break(conn: Connection, seq: int, leaves: list[bytes]) -> ChainBroken:
    """Name the likelier culprit when entry ``seq`` records another predecessor.

    Either entry seq-1 was rewritten (bytes and leaf together) or entry seq was inserted or
    replaced. When seq-1 closes a pair, the stored level-1 node over that pair tells which.
    """
    before = seq - 1
    if before % 2 == 1:
        node = conn.execute(
            select(_N.c.hash).where(_N.c.level == 1, _N.c.idx == before >> 1)
        ).scalar()
        pair = hashlib.sha256(b"\x01" + leaves[before - 1] + leaves[before]).digest()
        if node is not None and bytes(node) == pair:
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


def _check_entries(
    conn: Connection, origin: str, progress: Progress | None
) -> tuple[list[bytes], str]:
    """Stream every entry; return the recomputed leaf hashes and the last timestamp."""
    leaves: list[bytes] = []
    append = leaves.append
    sha = hashlib.sha256
    prev = ZERO_HASH
    last_ts = ""
    expected = 0
    query = select(_E.c.seq, _E.c.kind, _E.c.subject, _E.c.ts, _E.c.actor, _E.c.leaf, _E.c.body)
    result = conn.execution_options(yield_per=20_000).execute(query.order_by(_E.c.seq))
    for rows in result.partitions():
        for seq, kind, subject, ts, actor, stored_leaf, body in rows:
            if not isinstance(body, bytes | memoryview):
                # SQLite lets a rewritten blob come back as text; it is corrupt either way.
                raise EntryCorrupt(f"entry {seq}'s stored bytes have been rewritten", seq=seq)
            body = bytes(body)
            if seq != expected:
                what = "missing" if seq > expected else "duplicated"
                raise ChainBroken(
                    f"entry {expected} is {what}: the stored entries jump to {seq}", seq=expected
                )
            env = read_envelope(body, seq)
            leaf = sha(b"\x00" + body).digest()
            if leaf != bytes(stored_leaf):
                raise EntryCorrupt(
                    f"entry {seq} has been altered: its bytes do not hash to its stored leaf hash",
                    seq=seq,
                )
            if env.seq != seq:
                raise ChainBroken(
                    f"entry {seq} has been moved: its bytes say it is entry {env.seq}", seq=seq
                )
            if env.prev != prev:
                if seq == 0:
                    raise ChainBroken("entry 0 must name no predecessor (prev of zeros)", seq=0)
                raise _chain_break(conn, seq, leaves)
            if env.log != origin:
                raise EntryCorrupt(
                    f"entry {seq} belongs to log {env.log!r}, not {origin!r}", seq=seq
                )
            if env.ts < last_ts or not TS_RE.match(env.ts):
                raise ChainBroken(
                    f"entry {seq}'s time {env.ts} goes backwards from {last_ts}", seq=seq
                )
            if kind != env.kind or actor != env.actor or ts != env.ts:
                raise IndexMismatch(
                    f"entry {seq}'s indexed columns (kind, actor, ts) disagree with its bytes",
                    seq=seq,
                )
            if subject != _subject_of(env.payload_json, seq):
                raise IndexMismatch(
                    f"entry {seq}'s indexed subject {subject!r} disagrees with its bytes", seq=seq
                )
            append(leaf)
            prev = leaf.hex()
            last_ts = env.ts
            expected += 1
        if progress is not None:
            progress(len(rows))
    return leaves, last_ts


def _check_tree(conn: Connection, leaves: list[bytes]) -> list[list[bytes]]:
    """Recompute every perfect subtree level by level and compare with the stored nodes."""
    levels = [leaves]
    sha = hashlib.sha256
    level = 0
    count = 0
    while len(levels[level]) >= 2:
        below = levels[level]
        level += 1
        computed = [
            sha(b"\x01" + a + b).digest() for a, b in zip(below[0::2], below[1::2], strict=False)
        ]
        stored_rows = conn.execute(
            select(_N.c.idx, _N.c.hash).where(_N.c.level == level).order_by(_N.c.idx)
        ).all()
        stored = [bytes(h) for _i, h in stored_rows]
        if stored != computed:
            for i, (row, digest) in enumerate(zip(stored_rows, computed, strict=False)):
                if row[0] != i:
                    raise TreeMismatch(
                        f"the stored tree lacks the node for entries {i << level} to "
                        f"{((i + 1) << level) - 1}",
                        seq=i << level,
                    )
                if bytes(row[1]) != digest:
                    raise TreeMismatch(
                        f"the stored tree node over entries {i << level} to "
                        f"{((i + 1) << level) - 1} does not match those entries",
                        seq=i << level,
                    )
            i = min(len(stored), len(computed))
            raise TreeMismatch(
                f"the stored tree has {len(stored)} nodes at level {level} where the entries "
                f"make {len(computed)}",
                seq=i << level,
            )
        count += len(stored)
        levels.append(computed)
    extra = conn.execute(select(_N.c.level, _N.c.idx).where(_N.c.level > level).limit(1)).first()
    if extra is not None:
        raise TreeMismatch(
            f"the stored tree holds a node (level {extra.level}) above the tree's height"
        )
    return levels


def _root_at(levels: list[list[bytes]], size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    return merkle.fold_right([levels[lv][i] for lv, i in merkle.perfect_subtrees(0, size)])


def verify_ledger(
    ledger: Ledger,
    *,
    checkpoint: str | None = None,
    verifier: Verifier | None = None,
    progress: Progress | None = None,
) -> VerifyReport:
    """Verify everything; raise the first failure, or return what was established.

    ``verifier`` is the log's checkpoint key as the auditor holds it; by default the key recorded
    in entry 0 is used (which proves only that the log is self-consistent).
    """
    with ledger.engine.connect() as conn, conn.begin():
        head = conn.execute(select(_H).where(_H.c.id == 1)).one()
        leaves, last_ts = _check_entries(conn, ledger.origin, progress)
        if head.size != len(leaves):
            raise HeadMismatch(
                f"the head says the log holds {head.size} entries but {len(leaves)} are stored",
                seq=min(head.size, len(leaves)),
            )
        levels = _check_tree(conn, leaves)
        root = _root_at(levels, len(leaves))
        if bytes(head.root) != root:
            raise HeadMismatch("the head's root hash does not match the entries")
        tip = leaves[-1] if leaves else bytes(32)
        if bytes(head.tip) != tip:
            raise HeadMismatch("the head's chain tip is not the last entry's hash")
        expected_frontier = b"".join(
            levels[lv][i] for lv, i in merkle.perfect_subtrees(0, len(leaves))
        )
        if bytes(head.frontier) != expected_frontier:
            raise HeadMismatch("the head's frontier does not match the entries")
        if head.last_ts != last_ts and leaves:
            raise HeadMismatch("the head's last timestamp is not the last entry's")
        if head.origin != ledger.origin:
            raise HeadMismatch("the head's origin has changed")

        log_verifier = Verifier.from_string(ledger.log_created()["verifier_key"])
        if verifier is not None and verifier.key_id != log_verifier.key_id:
            raise CheckpointInvalid(
                f"the verifier key you hold ({verifier.name}+{verifier.key_id:08x}) is not the "
                "key recorded in this log's first entry",
                hint="check that you are verifying the right registry with the right key",
            )
        trusted = verifier or log_verifier
        kept = conn.execute(select(_C).order_by(_C.c.n)).all()
        for row in kept:
            try:
                cp = open_checkpoint(row.note, trusted, ledger.origin)
            except GovernError as exc:
                raise TreeMismatch(
                    f"kept checkpoint {row.n} does not verify: {exc.message}"
                ) from exc
            if cp.size != row.size or cp.root != bytes(row.root):
                raise IndexMismatch(f"kept checkpoint {row.n}'s columns disagree with its note")
            if cp.size > len(leaves) or _root_at(levels, cp.size) != cp.root:
                raise InconsistentWithCheckpoint(
                    f"the log is not an append-only extension of its own checkpoint {row.n} "
                    f"(size {cp.size})"
                )

        problems = missing_guards(conn)

    against = None
    if checkpoint is not None:
        against = open_checkpoint(checkpoint, trusted, ledger.origin)
        if against.size > len(leaves):
            raise InconsistentWithCheckpoint(
                f"the log holds {len(leaves)} entries but your checkpoint saw {against.size}: "
                "entries were removed since",
                seq=len(leaves),
            )
        proof = ledger.consistency_proof(against.size, len(leaves)) if against.size else []
        try:
            if against.size:
                merkle.verify_consistency(against.size, len(leaves), against.root, root, proof)
        except GovernError as exc:
            raise InconsistentWithCheckpoint(
                f"the log has been rewritten since your checkpoint of size {against.size}: "
                "it is not an append-only extension of it",
            ) from exc
        if _root_at(levels, against.size) != against.root:
            raise InconsistentWithCheckpoint(
                f"the first {against.size} entries no longer hash to your checkpoint's root"
            )
    if problems:
        raise GuardsMissing(
            "the append-only guards are not in force: " + "; ".join(problems),
            hint="someone has altered the database schema; verify against a checkpoint you hold "
            "(`govern verify --checkpoint FILE`), then restore them with `govern guards --install`",
        )
    return VerifyReport(
        origin=ledger.origin,
        size=len(leaves),
        root=root,
        nodes=sum(len(lv) for lv in levels[1:]),
        checkpoints=len(kept),
        against=against,
    )
