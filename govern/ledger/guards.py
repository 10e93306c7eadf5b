"""Database guards that make the ledger tables append-only (docs/ledger-format.md, "Append-only").

The guards stop accidents and bugs: an UPDATE, DELETE, TRUNCATE, INSERT OR REPLACE or
ON CONFLICT DO UPDATE is refused by the database itself. They do not stop a database
administrator, who can drop them; that is what signed checkpoints held outside the database are
for. ``missing_guards`` lets ``govern verify`` report a database whose guards were removed.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

_TABLES = ("ledger_entries", "ledger_head", "ledger_checkpoints")


def _refuse(what: str) -> str:
    return f"SELECT RAISE(ABORT, 'govern: {what} refused: the ledger is append-only');"


SQLITE_GUARDS: dict[str, str] = {
    **{
        f"govern_{t}_no_update": f"CREATE TRIGGER govern_{t}_no_update BEFORE UPDATE ON {t} "
        f"BEGIN {_refuse('UPDATE of ' + t)} END"
        for t in ("ledger_entries", "ledger_checkpoints")
    },
    **{
        f"govern_{t}_no_delete": f"CREATE TRIGGER govern_{t}_no_delete BEFORE DELETE ON {t} "
        f"BEGIN {_refuse('DELETE from ' + t)} END"
        for t in _TABLES
    },
    # INSERT OR REPLACE would silently delete the old row; only the next seq may be inserted.
    "govern_ledger_entries_next_seq": "CREATE TRIGGER govern_ledger_entries_next_seq "
    "BEFORE INSERT ON ledger_entries "
    "WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), -1) + 1 FROM ledger_entries) "
    f"BEGIN {_refuse('an insert out of sequence into ledger_entries')} END",
    "govern_ledger_checkpoints_next": "CREATE TRIGGER govern_ledger_checkpoints_next "
    "BEFORE INSERT ON ledger_checkpoints "
    "WHEN NEW.n IS NOT (SELECT COALESCE(MAX(n), -1) + 1 FROM ledger_checkpoints) "
    f"BEGIN {_refuse('an insert out of sequence into ledger_checkpoints')} END",
    "govern_ledger_head_single": "CREATE TRIGGER govern_ledger_head_single "
    "BEFORE INSERT ON ledger_head WHEN EXISTS (SELECT 1 FROM ledger_head) "
    f"BEGIN {_refuse('a second or replacement head')} END",
    "govern_ledger_head_forward": "CREATE TRIGGER govern_ledger_head_forward "
    "BEFORE UPDATE ON ledger_head "
    "WHEN NEW.size <= OLD.size OR NEW.id IS NOT OLD.id OR NEW.origin IS NOT OLD.origin "
    f"BEGIN {_refuse('a move of the head backwards')} END",
}

_PG_FUNCTIONS = {
    "govern_refuse": """
CREATE OR REPLACE FUNCTION govern_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'govern: % on % refused: the ledger is append-only', TG_OP, TG_TABLE_NAME;
END $$""",
    "govern_next_seq": """
CREATE OR REPLACE FUNCTION govern_next_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.seq IS DISTINCT FROM (SELECT COALESCE(MAX(seq), -1) + 1 FROM ledger_entries) THEN
    RAISE EXCEPTION 'govern: an insert out of sequence into ledger_entries refused: '
                    'the ledger is append-only';
  END IF;
  RETURN NEW;
END $$""",
    "govern_next_checkpoint": """
CREATE OR REPLACE FUNCTION govern_next_checkpoint() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.n IS DISTINCT FROM (SELECT COALESCE(MAX(n), -1) + 1 FROM ledger_checkpoints) THEN
    RAISE EXCEPTION 'govern: an insert out of sequence into ledger_checkpoints refused: '
                    'the ledger is append-only';
  END IF;
  RETURN NEW;
END $$""",
    "govern_head_forward": """
CREATE OR REPLACE FUNCTION govern_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM ledger_head) THEN
    RAISE EXCEPTION 'govern: a second head refused: the ledger is append-only';
  END IF;
  IF TG_OP = 'UPDATE' AND (NEW.size <= OLD.size OR NEW.id <> OLD.id
                           OR NEW.origin <> OLD.origin) THEN
    RAISE EXCEPTION 'govern: a move of the head backwards refused: the ledger is append-only';
  END IF;
  RETURN NEW;
END $$""",
}

# (trigger name, table, timing/events, level, function)
_PG_TRIGGERS: list[tuple[str, str, str, str, str]] = [
    *[
        (f"govern_{t}_no_change", t, "BEFORE UPDATE OR DELETE", "ROW", "govern_refuse")
        for t in ("ledger_entries", "ledger_checkpoints")
    ],
    *[
        (f"govern_{t}_no_truncate", t, "BEFORE TRUNCATE", "STATEMENT", "govern_refuse")
        for t in _TABLES
    ],
    ("govern_ledger_head_no_delete", "ledger_head", "BEFORE DELETE", "ROW", "govern_refuse"),
    (
        "govern_ledger_head_forward",
        "ledger_head",
        "BEFORE INSERT OR UPDATE",
        "ROW",
        "govern_head_forward",
    ),
    ("govern_ledger_entries_next_seq", "ledger_entries", "BEFORE INSERT", "ROW", "govern_next_seq"),
    (
        "govern_ledger_checkpoints_next",
        "ledger_checkpoints",
        "BEFORE INSERT",
        "ROW",
        "govern_next_checkpoint",
    ),
]


def install_guards(conn: Connection) -> None:
    """Create the guard triggers (and on PostgreSQL their functions), idempotently."""
    if conn.dialect.name == "sqlite":
        present = _sqlite_triggers(conn)
        for name, ddl in SQLITE_GUARDS.items():
            if name not in present:
                conn.exec_driver_sql(ddl)
        return
    for ddl in _PG_FUNCTIONS.values():
        conn.exec_driver_sql(ddl.replace("%", "%%"))  # the driver's paramstyle is %-based
    pg_present = set(_pg_triggers(conn))
    for name, table, when, level, func in _PG_TRIGGERS:
        if name not in pg_present:
            conn.exec_driver_sql(
                f"CREATE TRIGGER {name} {when} ON {table} FOR EACH {level} "
                f"EXECUTE FUNCTION {func}()"
            )
        # ENABLE ALWAYS: fires even under session_replication_role = replica.
        conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}")


def trigger_names(conn: Connection) -> set[str]:
    """The names of the triggers in the registry's schema (SQLite: the file)."""
    if conn.dialect.name == "sqlite":
        return set(_sqlite_triggers(conn))
    return set(_pg_triggers(conn))


def _norm(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip().rstrip(";").lower()


def _sqlite_triggers(conn: Connection) -> dict[str, str]:
    rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    return {name: sql for name, sql in rows}


def _pg_triggers(conn: Connection) -> dict[str, tuple[str, str]]:
    rows = conn.execute(
        text(
            "SELECT t.tgname, t.tgenabled, p.proname FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
        )
    )
    return {name: (str(enabled), proname) for name, enabled, proname in rows}


def missing_guards(conn: Connection) -> list[str]:
    """Names of guards that are absent, altered or disabled; empty when all are in force."""
    problems: list[str] = []
    if conn.dialect.name == "sqlite":
        present = _sqlite_triggers(conn)
        for name, ddl in SQLITE_GUARDS.items():
            if name not in present:
                problems.append(f"{name} is missing")
            elif _norm(present[name]) != _norm(ddl):
                problems.append(f"{name} has been altered")
        return problems
    triggers = _pg_triggers(conn)
    for name, _table, _when, _level, func in _PG_TRIGGERS:
        if name not in triggers:
            problems.append(f"{name} is missing")
            continue
        enabled, proname = triggers[name]
        if enabled != "A":
            problems.append(f"{name} is not ENABLE ALWAYS (state {enabled!r})")
        if proname != func:
            problems.append(f"{name} calls {proname}, not {func}")
    sources: dict[str, str] = dict(
        conn.execute(
            text(
                "SELECT proname, prosrc FROM pg_proc WHERE pronamespace = "
                "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
            )
        ).all()
    )
    for fname, ddl in _PG_FUNCTIONS.items():
        body = ddl.split("$$")[1]
        if fname not in sources:
            problems.append(f"function {fname} is missing")
        elif _norm(sources[fname]) != _norm(body):
            problems.append(f"function {fname} has been altered")
    return problems
