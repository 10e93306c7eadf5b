"""The auditor service's access log table and its guards (docs/auditor.md, "The access log"):
created by `govern init` with the rest of the registry's tables, so the application role, which
owns no table, never creates one (docs/postgresql.md). ``serve/access.py`` appends and lists.

Database triggers refuse an UPDATE, a DELETE (and on PostgreSQL a TRUNCATE) and any insert but
the next ``n``.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, inspect
from sqlalchemy.engine import Connection

from govern.ledger.guards import trigger_names

__all__ = ["ACCESS_LOG", "create", "guards_present", "install_guards"]

_META = MetaData()
ACCESS_LOG = Table(
    "access_log",
    _META,
    Column("n", Integer, primary_key=True, autoincrement=False),
    Column("ts", String, nullable=False),
    Column("token", String, nullable=False),
    Column("person", String, nullable=False),
    Column("method", String, nullable=False),
    Column("path", String, nullable=False),
    Column("status", Integer, nullable=False),
    Column("prev", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)


def _refuse(what: str) -> str:
    return f"SELECT RAISE(ABORT, 'govern: {what} refused: the access log is append-only');"


SQLITE_GUARDS: dict[str, str] = {
    "govern_access_log_no_update": "CREATE TRIGGER govern_access_log_no_update BEFORE UPDATE "
    f"ON access_log BEGIN {_refuse('UPDATE of access_log')} END",
    "govern_access_log_no_delete": "CREATE TRIGGER govern_access_log_no_delete BEFORE DELETE "
    f"ON access_log BEGIN {_refuse('DELETE from access_log')} END",
    "govern_access_log_next_n": "CREATE TRIGGER govern_access_log_next_n BEFORE INSERT ON "
    "access_log WHEN NEW.n IS NOT (SELECT COALESCE(MAX(n), -1) + 1 FROM access_log) "
    f"BEGIN {_refuse('an insert out of sequence into access_log')} END",
}

_PG_FUNCTIONS = (
    """
CREATE OR REPLACE FUNCTION govern_access_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'govern: % on access_log refused: the access log is append-only', TG_OP;
END $$""",
    """
CREATE OR REPLACE FUNCTION govern_access_log_next_n() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.n IS DISTINCT FROM (SELECT COALESCE(MAX(n), -1) + 1 FROM access_log) THEN
    RAISE EXCEPTION 'govern: an insert out of sequence into access_log refused: '
                    'the access log is append-only';
  END IF;
  RETURN NEW;
END $$""",
)
_PG_TRIGGERS = (
    ("govern_access_log_no_change", "BEFORE UPDATE OR DELETE", "ROW", "govern_access_log_refuse"),
    ("govern_access_log_no_truncate", "BEFORE TRUNCATE", "STATEMENT", "govern_access_log_refuse"),
    ("govern_access_log_next_n", "BEFORE INSERT", "ROW", "govern_access_log_next_n"),
)


def guards_present(conn: Connection) -> bool:
    """Whether every trigger guarding the access log is there."""
    wanted = set(SQLITE_GUARDS) if conn.dialect.name == "sqlite" else {t[0] for t in _PG_TRIGGERS}
    return wanted <= trigger_names(conn)


def install_guards(conn: Connection) -> None:
    """Create the access log's triggers (and on PostgreSQL their functions), idempotently."""
    present = trigger_names(conn)
    if conn.dialect.name == "sqlite":
        for name, ddl in SQLITE_GUARDS.items():
            if name not in present:
                conn.exec_driver_sql(ddl)
        return
    for ddl in _PG_FUNCTIONS:
        conn.exec_driver_sql(ddl.replace("%", "%%"))  # the driver's paramstyle is %-based
    for name, when, level, func in _PG_TRIGGERS:
        if name not in present:
            conn.exec_driver_sql(
                f"CREATE TRIGGER {name} {when} ON access_log FOR EACH {level} "
                f"EXECUTE FUNCTION {func}()"
            )
        # ENABLE ALWAYS: fires even under session_replication_role = replica.
        conn.exec_driver_sql(f"ALTER TABLE access_log ENABLE ALWAYS TRIGGER {name}")


def create(conn: Connection) -> None:
    """The table and its guards, where missing (in the caller's transaction)."""
    if not inspect(conn).has_table(ACCESS_LOG.name):
        ACCESS_LOG.create(conn)
    if not guards_present(conn):
        install_guards(conn)
