"""The auditor service's access log: one hash-chained row per authenticated read
(docs/auditor.md, "The access log").

The table ``access_log`` sits beside the ledger's and is guarded like it: database triggers
refuse an UPDATE, a DELETE (and on PostgreSQL a TRUNCATE) and any insert but the next ``n``.
Each row's ``hash`` is SHA-256 over the previous row's hash and the RFC 8785 canonical JSON of
the row's fields, so a row edited with the triggers dropped shows as a broken chain when the
log is listed. Like the ledger's guards, this stops accidents and insiders without the
database administrator's rights; it is not a signature.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from govern.errors import StorageError
from govern.ledger import db
from govern.ledger.jcs import canonicalize
from govern.registry.readlog import ACCESS_LOG, guards_present, install_guards

__all__ = ["GENESIS", "AccessListing", "AccessLog", "AccessRow", "row_hash"]

#: The ``prev`` of the first row.
GENESIS = "00" * 32


@dataclass(frozen=True)
class AccessRow:
    """One read: who (the token's id and its holder), what (method and path), when, and the
    status it was answered with."""

    n: int
    ts: str
    token: str
    person: str
    method: str
    path: str
    status: int
    prev: str
    hash: str

    def fields(self) -> dict[str, Any]:
        """The fields the hash covers (everything but ``prev`` and ``hash``)."""
        return {
            "n": self.n,
            "ts": self.ts,
            "token": self.token,
            "person": self.person,
            "method": self.method,
            "path": self.path,
            "status": self.status,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.fields(), "prev": self.prev, "hash": self.hash}


@dataclass(frozen=True)
class AccessListing:
    """The log, newest first, and whether its whole chain holds (``problems`` says where not)."""

    rows: tuple[AccessRow, ...]
    size: int
    chain_ok: bool
    problems: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "chain_ok": self.chain_ok,
            "problems": list(self.problems),
            "rows": [r.to_json() for r in self.rows],
        }


def row_hash(prev: str, fields: dict[str, Any]) -> str:
    """SHA-256 of the previous hash's 32 bytes followed by the canonical JSON of ``fields``."""
    return hashlib.sha256(bytes.fromhex(prev) + canonicalize(fields)).hexdigest()


def _row(r: Any) -> AccessRow:
    return AccessRow(
        int(r.n), r.ts, r.token, r.person, r.method, r.path, int(r.status), r.prev, r.hash
    )


class AccessLog:
    """The access log of the database behind ``engine``. `govern init` creates the table and
    its guards (``registry/readlog.py``); a registry older than them gets them on first use."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._ready = False
        self._lock = threading.Lock()  # one append at a time from this process

    def _ensure(self) -> None:
        if self._ready:
            return
        try:
            with self.engine.connect() as conn:
                made = inspect(conn).has_table(ACCESS_LOG.name) and guards_present(conn)
            if not made:  # a registry older than the table: its owner creates it here
                with self.engine.connect().execution_options(**db.WRITE) as conn, conn.begin():
                    ACCESS_LOG.create(conn, checkfirst=True)
                    install_guards(conn)
        except DBAPIError as exc:
            raise db.storage_error(str(self.engine.url), exc) from exc
        self._ready = True

    def append(
        self, *, ts: str, token: str, person: str, method: str, path: str, status: int
    ) -> AccessRow:
        """Append one read, chained to the last row."""
        self._ensure()
        with self._lock:
            try:
                with self.engine.connect().execution_options(**db.WRITE) as conn, conn.begin():
                    if conn.dialect.name == "postgresql":
                        # other processes append too: the next n and prev under one lock
                        conn.exec_driver_sql("LOCK TABLE access_log IN SHARE ROW EXCLUSIVE MODE")
                    last = conn.execute(
                        select(ACCESS_LOG.c.n, ACCESS_LOG.c.hash)
                        .order_by(ACCESS_LOG.c.n.desc())
                        .limit(1)
                    ).first()
                    n, prev = (0, GENESIS) if last is None else (int(last.n) + 1, last.hash)
                    fields = {
                        "n": n,
                        "ts": ts,
                        "token": token,
                        "person": person,
                        "method": method,
                        "path": path,
                        "status": status,
                    }
                    digest = row_hash(prev, fields)
                    conn.execute(ACCESS_LOG.insert().values(**fields, prev=prev, hash=digest))
            except DBAPIError as exc:
                raise db.storage_error(str(self.engine.url), exc) from exc
        return AccessRow(n, ts, token, person, method, path, status, prev, digest)

    def listing(self, limit: int | None = None) -> AccessListing:
        """Every row checked in order (the chain); the newest ``limit`` returned, newest first.
        Reading needs no write access: a log never written to is empty."""
        if not self._ready and not inspect(self.engine).has_table(ACCESS_LOG.name):
            return AccessListing((), 0, True, ())
        problems: list[str] = []
        rows: list[AccessRow] = []
        prev = GENESIS
        try:
            with self.engine.connect() as conn:
                for r in conn.execute(select(ACCESS_LOG).order_by(ACCESS_LOG.c.n)):
                    row = _row(r)
                    if row.n != len(rows):
                        problems.append(f"row {len(rows)} is missing (the next row is {row.n})")
                    if row.prev != prev:
                        problems.append(f"row {row.n} does not follow the row before it")
                    if row_hash(row.prev, row.fields()) != row.hash:
                        problems.append(f"row {row.n} was changed after it was written")
                    prev = row.hash
                    rows.append(row)
        except DBAPIError as exc:
            raise db.storage_error(str(self.engine.url), exc) from exc
        except ValueError as exc:  # a hash that is not hex
            raise StorageError(f"the access log holds a malformed hash: {exc}") from exc
        newest = rows[::-1] if limit is None else rows[::-1][:limit]
        return AccessListing(tuple(newest), len(rows), not problems, tuple(problems))
