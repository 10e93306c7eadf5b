"""The ledger: an append-only, hash-chained RFC 9162 log in SQLite or PostgreSQL.

``Ledger`` is the whole storage API: create or open, append one entry or a batch, read entries,
build inclusion and consistency proofs, sign and keep checkpoints. It knows nothing of models;
the registry gives it kinds and payloads. Verification lives in ``verify.py``.
"""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from govern.errors import BadInput, ClockBehind, Conflict, GovernError, NotFound, TreeMismatch
from govern.ledger import clock, db, merkle
from govern.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from govern.ledger.entry import (
    BODY,
    ZERO_HASH,
    Entry,
    PreparedEntry,
    check_entry,
    now_ts,
    prepare,
    ts_tail,
)
from govern.ledger.guards import install_guards, missing_guards
from govern.ledger.note import Signer, Verifier
from govern.ledger.schema import (
    BULK_KIND,
    KIND_INDEX,
    LEDGER_TABLES,
    CheckpointRow,
    EntryRow,
    HeadRow,
)

FORMAT = "govern-ledger/1"
_CHUNK = 20_000
_E = EntryRow.__table__  # type: ignore[attr-defined]
_H = HeadRow.__table__  # type: ignore[attr-defined]
_C = CheckpointRow.__table__  # type: ignore[attr-defined]

Progress = Callable[[int], None]
_PG_COPY = (
    "COPY ledger_entries (seq, kind, subject, ts, actor, leaf, body, nodes) "
    "FROM STDIN (FORMAT BINARY)"
)
_PG_TYPES = ["int8", "varchar", "varchar", "varchar", "varchar", "bytea", "bytea", "bytea"]


@dataclass(frozen=True)
class Head:
    """The log's current state, as the head row holds it."""

    origin: str
    size: int
    root: bytes
    tip: bytes
    frontier: tuple[bytes, ...]
    last_ts: str


@dataclass(frozen=True)
class Appended:
    """What a batch append wrote: its first position, its entries' leaf hashes, the new head."""

    first_seq: int
    leaves: list[bytes]
    ts: str
    size: int
    root: bytes


def _split(blob: bytes) -> tuple[bytes, ...]:
    return tuple(blob[i : i + 32] for i in range(0, len(blob), 32))


def _row_entry(row: Any) -> Entry:
    return Entry(
        seq=row.seq,
        kind=row.kind,
        ts=row.ts,
        actor=row.actor,
        subject=row.subject,
        leaf=bytes(row.leaf),
        body=bytes(row.body),
    )


def _kind_is(kinds: Sequence[str]) -> list[Any]:
    """Conditions for an entry of one of ``kinds``: with the kind index's own term when the bulk
    kind is not asked for, so that the planner may use that (partial) index."""
    out: list[Any] = [_E.c.kind.in_(list(kinds))]
    if BULK_KIND not in kinds:
        out.append(_E.c.kind != BULK_KIND)
    return out


def _ensure_kind_index(engine: Engine) -> None:
    """Add the (kind, seq) index to a ledger made before it existed. A role that may not create
    indexes (PostgreSQL's application role) leaves it to the owner: reads stay correct, only
    slower."""
    try:
        with engine.connect().execution_options(**db.WRITE) as conn, conn.begin():
            KIND_INDEX.create(conn, checkfirst=True)
    except DBAPIError:
        pass


class Ledger:
    """An open ledger. Create one with ``Ledger.create`` or open one with ``Ledger.open``."""

    def __init__(self, engine: Engine, url: str, origin: str, *, readonly: bool = False) -> None:
        self.engine = engine
        self.url = url
        self.origin = origin
        self._verifier: Verifier | None = None
        self.readonly = readonly
        # SQLite writers leave WAL checkpoints to this (see db.py); read-only opens write nothing.
        self._wal = None if readonly else db.wal_checkpointer(engine)

    # ---- opening -------------------------------------------------------------------------

    @classmethod
    def create(
        cls, url: str, origin: str, *, verifier_key: str, actor: str, version: str
    ) -> Ledger:
        """Create the tables, guards and head, and write entry 0 (``log.created``).

        Entry 0 carries the origin and the verifier key of the log's checkpoint key.
        """
        verifier = Verifier.from_string(verifier_key)
        if verifier.name != origin:
            raise BadInput("the log key's name must be the log's origin")
        engine = db.connect(url, create=True)
        try:
            with engine.connect().execution_options(**db.WRITE) as conn, conn.begin():
                for table in LEDGER_TABLES:
                    table.create(conn, checkfirst=True)
                if conn.execute(select(func.count()).select_from(_H)).scalar_one():
                    raise Conflict(
                        f"a ledger already exists in {db.describe(url)}",
                        hint="use it as it is, or choose another --db for a new registry",
                    )
                install_guards(conn)
                conn.execute(
                    insert(_H).values(
                        id=1,
                        origin=origin,
                        size=0,
                        root=merkle.EMPTY_ROOT,
                        tip=bytes(32),
                        frontier=b"",
                        last_ts=now_ts(),
                    )
                )
        except DBAPIError as exc:
            engine.dispose()
            raise db.storage_error(url, exc) from exc
        except GovernError:
            engine.dispose()
            raise
        ledger = cls(engine, url, origin)
        ledger.append(
            "log.created",
            {
                "origin": origin,
                "format": FORMAT,
                "hash": "sha256",
                "verifier_key": verifier_key,
                "govern_version": version,
            },
            actor=actor,
        )
        return ledger

    @classmethod
    def open(cls, url: str, *, readonly: bool = False) -> Ledger:
        """Open an existing ledger; a missing database or one without a ledger is NotFound.

        ``readonly`` (SQLite) leaves the file exactly as it is: for verifying and auditing.
        """
        engine = db.connect(url, create=False, readonly=readonly)
        try:
            with engine.connect() as conn:
                row = conn.execute(select(_H.c.origin).where(_H.c.id == 1)).first()
        except OperationalError as exc:
            engine.dispose()
            if "no such table" in str(exc.orig) or "does not exist" in str(exc.orig):
                raise NotFound(
                    f"{db.describe(url)} holds no govern ledger",
                    hint="run `govern init --origin NAME` to create one",
                ) from exc
            raise db.storage_error(url, exc) from exc
        except DBAPIError as exc:
            engine.dispose()
            raise db.storage_error(url, exc) from exc
        if row is None:
            engine.dispose()
            raise NotFound(f"{db.describe(url)} holds no govern ledger head")
        if not readonly:
            _ensure_kind_index(engine)
        return cls(engine, url, row.origin, readonly=readonly)

    def close(self) -> None:
        if self._wal is not None:
            self._wal.close()
        self.engine.dispose()

    def _committed(self) -> None:
        if self._wal is not None:
            self._wal.committed()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- appending -----------------------------------------------------------------------

    def prepare(self, kind: str, payload: dict[str, Any], actor: str) -> PreparedEntry:
        """Check and canonicalize one entry without touching the database."""
        return prepare(kind, payload, actor, origin=self.origin)

    def prepare_many(
        self,
        kind: str,
        actor: str,
        payloads: Sequence[bytes],
        subjects: Sequence[str | None],
        *,
        first: dict[str, Any],
    ) -> list[PreparedEntry]:
        """Entries of one kind and actor from payload bytes built elsewhere (``template.py``).

        ``first`` is the first payload as a dict: it is prepared the ordinary way (kind, actor
        and payload checked) and must canonicalize to exactly ``payloads[0]``, so a template
        that stopped being canonical fails here, never in the log.
        """
        if len(payloads) != len(subjects) or not payloads:
            raise BadInput("give one subject per payload, and at least one payload")
        checked = self.prepare(kind, first, actor)
        if checked.payload_json != payloads[0] or checked.subject != subjects[0]:
            raise GovernError("internal error: a payload template is not canonical")
        head = checked._head_json
        return [
            PreparedEntry(kind, actor, body, subject, head)
            for body, subject in zip(payloads, subjects, strict=True)
        ]

    def append(self, kind: str, payload: dict[str, Any], *, actor: str) -> Entry:
        """Append one entry and return it as stored."""
        done = self.append_prepared([self.prepare(kind, payload, actor)])
        return self.entry(done.first_seq)

    def append_batch(
        self,
        items: Iterable[tuple[str, dict[str, Any], str]],
        *,
        progress: Progress | None = None,
    ) -> Appended:
        """Append ``(kind, payload, actor)`` items as one transaction: all of them or none."""
        prepared = [self.prepare(kind, payload, actor) for kind, payload, actor in items]
        return self.append_prepared(prepared, progress=progress)

    def append_prepared(
        self,
        prepared: Sequence[PreparedEntry],
        *,
        progress: Progress | None = None,
        extra: Callable[[Connection, Appended], None] | None = None,
    ) -> Appended:
        """Append already-prepared entries in one transaction.

        ``extra`` runs inside the same transaction after the entries are written, so a caller can
        store rows that must exist exactly when the entries do (projections, erasable inputs).
        """
        if not prepared:
            raise BadInput("nothing to append: the batch is empty")
        try:
            with self.engine.connect().execution_options(**db.WRITE) as conn, conn.begin():
                result = self._append_locked(conn, prepared, progress)
                if extra is not None:
                    extra(conn, result)
        except IntegrityError as exc:
            raise Conflict(
                f"the ledger refused the write: {str(exc.orig).splitlines()[0]}",
                hint="another writer may have raced this one; try again",
            ) from exc
        except DBAPIError as exc:
            raise db.storage_error(self.url, exc) from exc
        self._committed()
        return result

    def _lock_head(self, conn: Connection) -> Head:
        query = select(_H).where(_H.c.id == 1)
        if conn.dialect.name != "sqlite":
            query = query.with_for_update()
        row = conn.execute(query).one()
        return Head(
            origin=row.origin,
            size=row.size,
            root=bytes(row.root),
            tip=bytes(row.tip),
            frontier=_split(bytes(row.frontier)),
            last_ts=row.last_ts,
        )

    def _append_locked(
        self, conn: Connection, prepared: Sequence[PreparedEntry], progress: Progress | None
    ) -> Appended:
        head = self._lock_head(conn)
        ts = self._next_ts(conn, head, prepared)
        frontier = list(head.frontier)
        size = head.size
        first = size
        # The per-entry loop is the append's hot path: names are bound to locals and prev is
        # kept as hex bytes.
        prev = (head.tip.hex() if size else ZERO_HASH).encode("ascii")
        tail = ts_tail(ts)
        sha = hashlib.sha256
        hexlify = binascii.hexlify
        push = merkle.frontier_push
        leaves: list[bytes] = []
        add_leaf = leaves.append
        for start in range(0, len(prepared), _CHUNK):
            entry_rows: list[tuple[Any, ...]] = []
            add_entry = entry_rows.append
            for item in prepared[start : start + _CHUNK]:
                body = BODY % (item._head_json, item.payload_json, prev, size, tail)
                leaf = sha(b"\x00" + body).digest()
                nodes = push(frontier, size, leaf)
                add_entry((size, item.kind, item.subject, ts, item.actor, leaf, body, nodes))
                add_leaf(leaf)
                prev = hexlify(leaf)
                size += 1
            self._flush(conn, entry_rows)
            if progress is not None:
                progress(len(entry_rows))
        root = merkle.frontier_root(frontier)
        conn.execute(
            update(_H)
            .where(_H.c.id == 1)
            .values(size=size, root=root, tip=leaves[-1], frontier=b"".join(frontier), last_ts=ts)
        )
        return Appended(first_seq=first, leaves=leaves, ts=ts, size=size, root=root)

    def _next_ts(self, conn: Connection, head: Head, prepared: Sequence[PreparedEntry]) -> str:
        """The time of the next entries: never earlier than the last one, never adopted from an
        entry too far ahead of this writer's clock (docs/ledger-format.md, "The clock")."""
        now = now_ts()
        correcting = [p for p in prepared if p.kind == clock.CORRECTED]
        if correcting:
            if len(prepared) != 1:
                raise BadInput("a clock correction is appended on its own, not in a batch")
            if not clock.ahead(head.last_ts, now):
                raise BadInput(
                    f"the log's clock is not ahead: its last entry is dated {head.last_ts}, "
                    f"this machine's clock reads {now}; there is nothing to correct"
                )
            return now
        if head.size and clock.ahead(head.last_ts, now):
            seq, ts = clock.first_ahead(conn, now) or (head.size - 1, head.last_ts)
            raise ClockBehind(
                f"entry {seq} is dated {ts}, {clock.describe(ts, now)} ahead of this machine's "
                f"clock ({now}); appending would date every new entry after it",
                hint="if this machine's clock is right, an administrator repairs the log with "
                "`govern clock correct --reason TEXT`; otherwise set this machine's clock",
            )
        return clock.later(now, head.last_ts)

    def first_ahead(self, now: str | None = None) -> tuple[int, str] | None:
        """The first entry dated too far ahead of ``now`` (default: this machine's clock)."""
        with self.engine.connect() as conn:
            return clock.first_ahead(conn, now or now_ts())

    @staticmethod
    def _flush(conn: Connection, entry_rows: list[tuple[Any, ...]]) -> None:
        # Driver-level writes: the rows are already plain tuples of str/int/bytes, so
        # SQLAlchemy's per-row bind processing would only cost time on this hot path.
        if conn.dialect.name == "postgresql":
            # COPY, binary: one stream instead of a round trip per row; the row triggers (the
            # guards) fire for COPY as for INSERT.
            driver = conn.connection.driver_connection
            assert driver is not None  # a live connection inside a transaction
            dbapi_error = conn.dialect.loaded_dbapi.Error
            try:
                with driver.cursor() as cursor, cursor.copy(_PG_COPY) as out:
                    out.set_types(_PG_TYPES)
                    for row in entry_rows:
                        out.write_row(row)
            except dbapi_error as exc:  # as SQLAlchemy would wrap it: IntegrityError, ...
                raise DBAPIError.instance(_PG_COPY, None, exc, dbapi_error) from exc
            return
        marks = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(
            "INSERT INTO ledger_entries (seq, kind, subject, ts, actor, leaf, body, nodes) "
            f"VALUES ({', '.join([marks] * 8)})",
            entry_rows,
        )

    # ---- reading -------------------------------------------------------------------------

    def head(self, conn: Connection | None = None) -> Head:
        if conn is None:
            with self.engine.connect() as c:
                return self.head(c)
        row = conn.execute(select(_H).where(_H.c.id == 1)).one()
        return Head(
            origin=row.origin,
            size=row.size,
            root=bytes(row.root),
            tip=bytes(row.tip),
            frontier=_split(bytes(row.frontier)),
            last_ts=row.last_ts,
        )

    @property
    def size(self) -> int:
        return self.head().size

    def read_entry(self, conn: Connection, seq: int) -> Entry:
        """Entry ``seq`` through ``conn``: inside a caller's transaction (``append_prepared``'s
        ``extra``), where the entries just written are visible."""
        row = conn.execute(select(_E).where(_E.c.seq == seq)).first()
        if row is None:
            raise NotFound(f"the ledger has no entry {seq}")
        return _row_entry(row)

    def subject_logged(
        self, conn: Connection, subjects: Sequence[str], kind: str, *, before: int
    ) -> tuple[str, int] | None:
        """The first of ``subjects`` that an entry of ``kind`` before seq ``before`` holds, and
        that entry's seq; None when none does. For uniqueness checks inside an append."""
        for start in range(0, len(subjects), 500):
            chunk = list(subjects[start : start + 500])
            # The kind is compared here, not in the query: given both, a planner may prefer the
            # (kind, seq) index and scan every prediction instead of probing the subjects.
            rows = conn.execute(
                select(_E.c.subject, _E.c.seq, _E.c.kind).where(
                    _E.c.subject.in_(chunk), _E.c.seq < before
                )
            ).all()
            for row in rows:
                if row.kind == kind:
                    return str(row.subject), int(row.seq)
        return None

    def first_other_kind(
        self, conn: Connection, start: int, stop: int, kinds: Sequence[str]
    ) -> int | None:
        """The seq of the first entry in [start, stop) whose kind is not one of ``kinds``."""
        row = conn.execute(
            select(_E.c.seq)
            .where(_E.c.seq >= start, _E.c.seq < stop, _E.c.kind.not_in(list(kinds)))
            .order_by(_E.c.seq)
            .limit(1)
        ).first()
        return None if row is None else int(row.seq)

    def entry(self, seq: int) -> Entry:
        if not 0 <= seq < 2**63:  # beyond any database integer: no such entry, not an overflow
            raise NotFound(
                f"the ledger has no entry {seq}",
                hint=f"entries are numbered from 0 to {self.size - 1}",
            )
        with self.engine.connect() as conn:
            row = conn.execute(select(_E).where(_E.c.seq == seq)).first()
        if row is None:
            raise NotFound(
                f"the ledger has no entry {seq}",
                hint=f"entries are numbered from 0 to {self.size - 1}",
            )
        return _row_entry(row)

    def entries(
        self,
        *,
        start: int = 0,
        stop: int | None = None,
        kind: str | None = None,
        kinds: Sequence[str] | None = None,
        subject: str | None = None,
        newest_first: bool = False,
        limit: int | None = None,
        batch: int = 10_000,
    ) -> Iterator[Entry]:
        """Entries in seq order (or newest first), filtered by the indexed columns."""
        conditions = [_E.c.seq >= start]
        if stop is not None:
            conditions.append(_E.c.seq < stop)
        if kind is not None:
            conditions += _kind_is([kind])
        if kinds is not None:
            conditions += _kind_is(kinds)
        if subject is not None:
            conditions.append(_E.c.subject == subject)
        order = _E.c.seq.desc() if newest_first else _E.c.seq
        query = select(_E).where(and_(*conditions)).order_by(order)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=batch).execute(query)
            for row in result:
                yield _row_entry(row)

    def by_subject(self, subject: str, kind: str | None = None) -> list[Entry]:
        return list(self.entries(subject=subject, kind=kind))

    def checked_subjects(self, subjects: Sequence[str], *, kind: str) -> list[Entry]:
        """The entries of ``kind`` about any of ``subjects`` (at most a few hundred per call),
        each checked (``check_entry``). The kind is compared here, not in the query, so that
        the planner probes the subject index."""
        query = select(_E).where(_E.c.subject.in_(list(subjects))).order_by(_E.c.seq)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        origin = self.origin
        return [check_entry(_row_entry(r), origin) for r in rows if r.kind == kind]

    def checked(
        self,
        *,
        subject: str | None = None,
        kinds: Sequence[str] | None = None,
        after: int = -1,
    ) -> list[Entry]:
        """Entries after position ``after`` (about ``subject``, of ``kinds``), each one's bytes
        checked against its leaf hash and its columns (``check_entry``): what a gate may rely
        on. Read by the indexed columns, so the subject asked for is checked in the bytes."""
        conditions = [_E.c.seq > after]
        if kinds is not None:
            conditions += _kind_is(kinds)
        if subject is not None:
            conditions.append(_E.c.subject == subject)
        query = select(_E).where(and_(*conditions)).order_by(_E.c.seq)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        origin = self.origin
        return [check_entry(_row_entry(row), origin) for row in rows]

    def log_created(self) -> dict[str, Any]:
        """The payload of entry 0, which names the log and its verifier key."""
        return self.entry(0).payload

    @property
    def verifier(self) -> Verifier:
        if self._verifier is None:
            self._verifier = Verifier.from_string(self.log_created()["verifier_key"])
        return self._verifier

    # ---- proofs --------------------------------------------------------------------------

    def _hashes(
        self, conn: Connection, coords: Sequence[tuple[int, int]]
    ) -> dict[tuple[int, int], bytes]:
        """Hashes of perfect subtrees (level, index), read in one query.

        A leaf is its row's ``leaf``; node (L, j) is in row ((j + 1) << L) - 1 (see schema.py).
        """
        rows = {((i + 1) << level) - 1 for level, i in coords}
        stored = {
            seq: (bytes(leaf), bytes(nodes))
            for seq, leaf, nodes in conn.execute(
                select(_E.c.seq, _E.c.leaf, _E.c.nodes).where(_E.c.seq.in_(sorted(rows)))
            )
        }
        found: dict[tuple[int, int], bytes] = {}
        for level, i in coords:
            row = stored.get(((i + 1) << level) - 1)
            digest = None
            if row is not None:
                digest = row[0] if level == 0 else row[1][32 * (level - 1) : 32 * level]
            if digest is None or len(digest) != 32:
                raise TreeMismatch(
                    f"the stored tree lacks the hash of subtree level {level} index {i}",
                    seq=i << level,
                )
            found[(level, i)] = digest
        return found

    def _range_hashes(self, conn: Connection, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        plans = [merkle.perfect_subtrees(b, e) for b, e in ranges]
        found = self._hashes(conn, [c for plan in plans for c in plan])
        return [merkle.fold_right([found[c] for c in plan]) for plan in plans]

    def _check_size(self, size: int | None, head: Head) -> int:
        if size is None:
            return head.size
        if size < 1 or size > head.size:
            raise BadInput(
                f"tree size {size} is out of range: the log holds {head.size} entries",
                hint=f"give a size from 1 to {head.size}",
            )
        return size

    def inclusion_proof(self, seq: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 2.1.3.1 inclusion proof of entry ``seq`` in the tree of ``size`` entries."""
        with self.engine.connect() as conn:
            head = self.head(conn)
            n = self._check_size(size, head)
            if not 0 <= seq < n:
                raise NotFound(
                    f"entry {seq} is not in the tree of size {n}",
                    hint=f"entries in that tree are 0 to {n - 1}",
                )
            return self._range_hashes(conn, merkle.inclusion_ranges(seq, n))

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 2.1.4.1 consistency proof from ``old_size`` to ``new_size``."""
        with self.engine.connect() as conn:
            head = self.head(conn)
            n = self._check_size(new_size, head)
            if not 0 <= old_size <= n:
                raise BadInput(
                    f"cannot prove consistency from size {old_size} to size {n}",
                    hint="the earlier size must not exceed the later one",
                )
            return self._range_hashes(conn, merkle.consistency_ranges(old_size, n))

    def root_at(self, size: int) -> bytes:
        """The tree root at an earlier size, from stored subtree hashes."""
        if size == 0:
            return merkle.EMPTY_ROOT
        with self.engine.connect() as conn:
            n = self._check_size(size, self.head(conn))
            return self._range_hashes(conn, [(0, n)])[0]

    # ---- checkpoints ---------------------------------------------------------------------

    def sign_checkpoint(self, signer: Signer) -> str:
        """Sign the current head as a C2SP checkpoint, keep it, and return the signed note.

        Refuses when the head is not an append-only extension of the last checkpoint kept.
        """
        if signer.name != self.origin:
            raise BadInput(
                f"the key {signer.name!r} is not this log's key ({self.origin!r})",
                hint="use the log key created by `govern init` for this registry",
            )
        verifier = self.verifier
        if signer.key_id != verifier.key_id:
            raise BadInput(
                "this key is not the log's checkpoint key recorded in entry 0",
                hint="use the log key created by `govern init` for this registry",
            )
        try:
            with self.engine.connect().execution_options(**db.WRITE) as conn, conn.begin():
                head = self._lock_head(conn)
                last = conn.execute(select(_C).order_by(_C.c.n.desc()).limit(1)).first()
                if last is not None:
                    proof = self._range_hashes(
                        conn, merkle.consistency_ranges(last.size, head.size)
                    )
                    try:
                        merkle.verify_consistency(
                            last.size, head.size, bytes(last.root), head.root, proof
                        )
                    except GovernError as exc:
                        from govern.errors import InconsistentWithCheckpoint

                        raise InconsistentWithCheckpoint(
                            f"the head (size {head.size}) is not an append-only extension of "
                            f"checkpoint {last.n} (size {last.size}); refusing to sign it",
                        ) from exc
                cp = Checkpoint(origin=self.origin, size=head.size, root=head.root)
                note_text = sign_checkpoint(cp, signer)
                conn.execute(
                    insert(_C).values(
                        n=0 if last is None else last.n + 1,
                        size=head.size,
                        root=head.root,
                        ts=clock.later(now_ts(), head.last_ts),
                        note=note_text,
                    )
                )
        except DBAPIError as exc:
            raise db.storage_error(self.url, exc) from exc
        self._committed()
        return note_text

    def checkpoints(self) -> list[tuple[int, int, bytes, str, str]]:
        """Every kept checkpoint as (n, size, root, ts, note), oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(_C).order_by(_C.c.n)).all()
        return [(r.n, r.size, bytes(r.root), r.ts, r.note) for r in rows]

    def latest_checkpoint(self) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(_C.c.note).order_by(_C.c.n.desc()).limit(1)).first()
        return None if row is None else str(row.note)

    def open_checkpoint(self, note_text: str) -> Checkpoint:
        """Parse and verify a checkpoint signed by this log's key for this origin."""
        return open_checkpoint(note_text, self.verifier, self.origin)

    # ---- guards --------------------------------------------------------------------------

    def guard_problems(self) -> list[str]:
        with self.engine.connect() as conn:
            return missing_guards(conn)

    def install_guards(self) -> None:
        with self.engine.connect().execution_options(**db.WRITE) as conn, conn.begin():
            install_guards(conn)
