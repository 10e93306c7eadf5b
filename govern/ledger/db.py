"""Database connections for the ledger: SQLite (one file, the default) or PostgreSQL.

The same code runs on both; what differs is set up here: SQLite gets WAL, full sync and
``BEGIN IMMEDIATE`` for writers (so appends serialize instead of failing on upgrade), PostgreSQL
a connect timeout. Driver errors about reaching or creating the database become
``StorageError``/``NotFound`` with a message that says what to do.

SQLite writers do not checkpoint the WAL at commit (SQLite's default copies every page of a
large batch into the database file on the committing thread); ``WalCheckpointer`` does it on a
thread of its own, which the ``Ledger`` that opened the engine runs.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from govern.errors import BadInput, NotFound, StorageError

DEFAULT_SQLITE = "registry.db"
WRITE = {"govern_write": True}
# The checkpointer wakes once the -wal file is larger than WAL_SOFT bytes; writers truncate the
# file back to that size when they restart it after a complete checkpoint (journal_size_limit),
# so its size tells how much was written since. Above WAL_HARD a writer checkpoints after its
# commit itself, waiting for a checkpoint in progress: the WAL stays bounded if the thread lags.
WAL_SOFT = 8 << 20
WAL_HARD = 256 << 20


def resolve_url(db: str | None) -> str:
    """A SQLAlchemy URL from ``--db``, ``GOVERN_DB`` or the default ``registry.db``.

    A plain path means a SQLite file; anything with ``://`` is taken as a URL.
    """
    value = db or os.environ.get("GOVERN_DB") or DEFAULT_SQLITE
    if "://" in value:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value
    return "sqlite:///" + str(Path(value).expanduser().absolute())


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def describe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable database URL>"


def connect(url: str, *, create: bool, readonly: bool = False) -> Engine:
    """An engine for the ledger at ``url``; ``create`` allows a new SQLite file.

    ``readonly`` opens a SQLite file without changing it (no journal-mode switch), for
    verification and audit.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise BadInput(
            f"{url!r} is not a database URL",
            hint="use a file path for SQLite or postgresql+psycopg://user@host:5432/dbname",
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, create=create, readonly=readonly)
    if backend == "postgresql":
        return _pg_engine(url)
    raise BadInput(
        f"govern stores its ledger in SQLite or PostgreSQL, not {backend}",
        hint="use a file path for SQLite or postgresql+psycopg://user@host:5432/dbname",
    )


def check_creatable(path: Path) -> None:
    """Refuse, before anything is written, a SQLite path that cannot be created."""
    parent = path.parent
    if not parent.is_dir():
        raise StorageError(
            f"cannot create the registry {path}: the folder {parent} does not exist",
            hint="create the folder first or choose another --db path",
        )
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise StorageError(
            f"cannot create the registry {path}: the folder is not writable",
            hint="choose a path you can write to with --db",
        )


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _sqlite_engine(url: str, *, create: bool, readonly: bool = False) -> Engine:
    path = sqlite_path(url)
    if path is None:
        raise BadInput("an in-memory SQLite ledger would vanish on exit; give a file path")
    if not create and not path.exists():
        raise NotFound(
            f"there is no registry at {path}",
            hint="run `govern init --origin NAME` to create one, or point --db / GOVERN_DB "
            "at an existing registry",
        )
    if create:
        check_creatable(path)
    args: dict[str, Any] = {"timeout": 120, "check_same_thread": False}
    if readonly:
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    engine = create_engine(url, connect_args=args)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves, so writers can take the lock up front.
        dbapi_conn.isolation_level = None
        # A text cell an insider wrote as bytes that are not UTF-8 is read, not a crash: it then
        # differs from the entry it indexes, and `govern verify` names that entry.
        dbapi_conn.text_factory = _text
        cur = dbapi_conn.cursor()
        if not readonly:
            cur.execute("PRAGMA journal_mode=WAL")
            # FULL: the WAL is fsynced at every commit, so a commit is durable without a
            # checkpoint; WalCheckpointer does the checkpoints.
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA wal_autocheckpoint=0")
            cur.execute(f"PRAGMA journal_size_limit={WAL_SOFT}")
        cur.execute("PRAGMA busy_timeout=120000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("govern_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class WalCheckpointer:
    """Checkpoints a SQLite file's WAL on a daemon thread with its own connection.

    ``committed()`` (a ``stat`` of the -wal file) is called after each write transaction. The
    checkpoints are PASSIVE: they never wait for, nor block, readers or writers of any process,
    and a checkpoint cut short by a crash is redone by the next one. Nothing is lost when the
    thread never runs: committed transactions are fsynced in the WAL, which SQLite reads back.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.wal = Path(f"{path}-wal")
        self._closed = False
        self._reset()

    def _reset(self) -> None:
        # Also after a fork: the parent's thread and connection are not the child's to use.
        self._pid = os.getpid()
        self._lock = threading.Lock()  # one checkpoint at a time, on one connection
        self._wake = threading.Event()
        self._conn: sqlite3.Connection | None = None
        self._thread: threading.Thread | None = None

    def committed(self) -> None:
        """Wake the thread if the WAL has grown; checkpoint here if it has grown too far."""
        try:
            size = self.wal.stat().st_size
        except FileNotFoundError:
            return
        if size <= WAL_SOFT or self._closed:
            return
        if self._pid != os.getpid():
            self._reset()
        if size > WAL_HARD:
            self.checkpoint()
            return
        if self._thread is None:
            with self._lock:  # several threads may commit through one ledger
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="govern-wal-checkpoint", daemon=True
                    )
                    self._thread.start()
        self._wake.set()

    def checkpoint(self) -> bool:
        """One PASSIVE checkpoint, now; False if SQLite failed it.

        Never raises: it runs after commits, and a failed checkpoint must not make a committed
        transaction look failed (the next one copies the same pages).
        """
        with self._lock:
            try:
                if self._conn is None:
                    self._conn = sqlite3.connect(
                        self.path, timeout=120, isolation_level=None, check_same_thread=False
                    )
                    self._conn.execute("PRAGMA synchronous=FULL")  # fsync what it copies
                # Autocommit, and the result fetched, so this connection never holds a
                # snapshot that would keep writers from restarting the WAL.
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                return False
        return True

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._closed:
                return
            self.checkpoint()

    def close(self) -> None:
        """Stop the thread, run a last checkpoint and close the connection."""
        if self._closed:
            return
        self._closed = True
        if self._pid != os.getpid():
            return
        if self._thread is not None:
            self._wake.set()
            self._thread.join()
        if self._conn is None:
            return  # the WAL never outgrew WAL_SOFT: closing the engine checkpoints it
        self.checkpoint()
        with self._lock:
            self._conn.close()
            self._conn = None


def wal_checkpointer(engine: Engine) -> WalCheckpointer | None:
    """A checkpointer for a writable SQLite engine from ``connect``; None for PostgreSQL."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    return WalCheckpointer(Path(engine.url.database))


def _pg_engine(url: str) -> Engine:
    try:
        return create_engine(url, connect_args={"connect_timeout": 5}, pool_pre_ping=False)
    except NoSuchModuleError as exc:
        raise StorageError(
            "the PostgreSQL driver is not installed",
            hint="pip install 'govern[postgres]' (psycopg 3) and use postgresql+psycopg://",
        ) from exc
    except ModuleNotFoundError as exc:
        raise StorageError(
            f"the PostgreSQL driver is not installed ({exc.name})",
            hint="pip install 'govern[postgres]'",
        ) from exc


def storage_error(url: str, exc: DBAPIError) -> StorageError:
    """Turn a driver error into a message naming the database and the cause."""
    orig = exc.orig
    detail = str(orig).strip().splitlines()[0] if orig is not None else str(exc)
    return StorageError(
        f"the registry database {describe(url)} cannot be used: {detail}",
        hint="check that the database exists and is reachable, and that you may write to it",
    )
