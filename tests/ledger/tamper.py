"""Raw-SQL tools for tamper tests: drop the guards, then change what an attacker would."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, text

from govern.ledger.db import connect
from govern.ledger.guards import _PG_TRIGGERS, SQLITE_GUARDS


def raw_engine(url: str):  # type: ignore[no-untyped-def]
    if "://" not in url:
        return create_engine("sqlite:///" + url)
    return connect(url, create=False)


def drop_guards(url: str) -> None:
    engine = raw_engine(url)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for name in SQLITE_GUARDS:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        else:
            for name, table, *_ in _PG_TRIGGERS:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    engine.dispose()


def execute(url: str, sql: str, **params: Any) -> None:
    engine = raw_engine(url)
    with engine.begin() as conn:
        conn.execute(text(sql), params)
    engine.dispose()


def fetch(url: str, sql: str, **params: Any) -> list[Any]:
    engine = raw_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(sql), params).all()
    engine.dispose()
    return rows
