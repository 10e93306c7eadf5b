"""Database connections for the ledger: SQLite (one file, the default) or PostgreSQL.

The same code runs on both; what differs is set up here: SQLite gets WAL, full sync and
``BEGIN IMMEDIATE`` for writers (so appends serialize instead of failing on upgrade), PostgreSQL
a connect timeout. Driver errors about reaching or creating the database become
``StorageError``/``NotFound`` with a message that says what to do.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from govern.errors import BadInput, NotFound, StorageError

DEFAULT_SQLITE = "registry.db"
WRITE = {"govern_write": True}


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
        cur = dbapi_conn.cursor()
        if not readonly:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=120000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("govern_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


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
