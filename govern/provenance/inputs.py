"""The erasable input store: each logged prediction's input row and salt, outside the ledger.

``prediction_inputs`` is not a ledger table: no guard protects it, because a lawful erasure
request must be able to delete a row. The ledger keeps only the commitment, so it stays valid
after an erasure. Rows are keyed by the seq of their ``prediction.logged`` entry and are written
in the same transaction as the entries (``Ledger.append_prepared(extra=...)``): an input exists
exactly when its prediction does.

On SQLite the table's key is the rowid (the cheapest insert there is), ``secure_delete`` is on
for every connection that writes it, so deleted bytes are overwritten with zeros rather than
left in free space, and ``scrub_sqlite`` checkpoints and truncates the write-ahead log after an
erasure, so no old copy of the page survives in the -wal file either.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    Engine,
    inspect,
    select,
)

from govern.ledger import db
from govern.registry import erasable

__all__ = ["StoredInput", "delete", "ensure", "fetch", "insert", "present", "scrub_sqlite", "table"]

# The table is the registry's (created by `govern init`); reading and writing it is here.
table = erasable.inputs


@dataclass(frozen=True)
class StoredInput:
    """One prediction's stored input: the salt and the canonical row bytes."""

    seq: int
    salt: bytes
    row: bytes


def present(conn: Connection) -> bool:
    return inspect(conn).has_table(table.name)


def ensure(engine: Engine) -> None:
    """Create the table if it is missing: a registry made before `govern init` created it."""
    with engine.connect() as conn:
        if present(conn):
            return
    with engine.connect().execution_options(**db.WRITE) as conn, conn.begin():
        table.create(conn, checkfirst=True)


def _secure(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA secure_delete=ON")


def insert(conn: Connection, first_seq: int, salts: Sequence[bytes], rows: Sequence[bytes]) -> None:
    """Store the inputs of consecutive entries from ``first_seq``, in the caller's transaction."""
    _secure(conn)
    values = zip(range(first_seq, first_seq + len(rows)), salts, rows, strict=True)
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        # COPY in binary: about a third of the time of an executemany of the same rows, on the
        # same connection and so in the same transaction (bench/provenance.py).
        driver = conn.connection.driver_connection
        assert driver is not None  # a live connection inside a transaction
        cursor = driver.cursor()
        copy = f"COPY {table.name} (seq, salt, input_row) FROM STDIN (FORMAT BINARY)"
        with cursor.copy(copy) as out:
            out.set_types(["int8", "bytea", "bytea"])
            for value in values:
                out.write_row(value)
        return
    marks = "?, ?, ?" if conn.dialect.paramstyle == "qmark" else "%s, %s, %s"
    conn.exec_driver_sql(
        f"INSERT INTO {table.name} (seq, salt, input_row) VALUES ({marks})", list(values)
    )


def fetch(conn: Connection, seq: int, *, check: bool = True) -> StoredInput | None:
    """The stored input of entry ``seq``, or None (erased, or never stored). ``check=False``
    skips asking whether the table exists, for a caller who knows it does."""
    if check and not present(conn):
        return None
    row = conn.execute(select(table.c.salt, table.c.input_row).where(table.c.seq == seq)).first()
    if row is None:
        return None
    return StoredInput(seq, bytes(row.salt), bytes(row.input_row))


def delete(conn: Connection, seq: int) -> bool:
    """Delete the input of entry ``seq`` in the caller's transaction; True if there was one."""
    if not present(conn):
        return False
    _secure(conn)
    result = conn.execute(table.delete().where(table.c.seq == seq))
    return bool(result.rowcount)


def scrub_sqlite(engine: Engine, *, within: float = 5.0) -> bool:
    """Copy the WAL into the database file and truncate it to zero bytes (SQLite only).

    Returns False if readers kept the checkpoint from completing within ``within`` seconds;
    the old bytes then stay in the -wal file until the next complete checkpoint (the caller
    says so). Each try waits at most a tenth of a second for readers: an erasure never waits
    on a long read (the connection's own busy timeout is two minutes).
    """
    deadline = time.monotonic() + within
    attempt = 0
    while True:
        # Outside any transaction: our own read transaction would count as a reader.
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("PRAGMA busy_timeout=100")
            busy, _log, _done = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            cur.execute("PRAGMA busy_timeout=120000")  # the pool's connection, as it was
            cur.close()
        finally:
            raw.close()
        if not busy:
            return True
        attempt += 1
        if time.monotonic() + 0.05 * attempt > deadline:
            return False
        time.sleep(0.05 * attempt)
