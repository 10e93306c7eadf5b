"""The access log: every authenticated read, hash-chained, append-only by triggers on SQLite
and PostgreSQL (docs/auditor.md, "The access log")."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from govern.registry.readlog import SQLITE_GUARDS
from govern.serve.access import GENESIS, AccessLog, row_hash
from govern.serve.auditor import auditor_app
from tests.serve.conftest import Served, running


def _read(base: str, path: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(base + path, headers=headers, timeout=120)


def test_every_authenticated_read_is_logged_newest_first(served: Served) -> None:
    with served.open() as reg, running(auditor_app(reg)) as base:
        assert _read(base, "/v1/provenance/nobody-here", served.read).status_code == 404
        assert _read(base, "/ledger", served.read).status_code == 200
        assert _read(base, "/v1/access-log", None).status_code == 401  # no token: not a read
        assert _read(base, "/v1/access-log", served.decide).status_code == 403
        first = _read(base, "/v1/access-log", served.read).json()
        second = _read(base, "/v1/access-log?limit=1", served.read).json()
    assert first["chain_ok"] and first["problems"] == []
    rows = first["rows"]
    assert [(r["method"], r["path"], r["status"]) for r in rows] == [
        ("GET", "/ledger", 200),
        ("GET", "/v1/provenance/nobody-here", 404),
    ]
    token_id = served.read[4:16]
    assert all(r["person"] == "ann" and r["token"] == token_id for r in rows)
    assert rows[-1]["n"] == 0 and rows[-1]["prev"] == GENESIS
    assert rows[0]["prev"] == rows[1]["hash"]
    # the listing itself was a read, logged after it was answered
    assert second["size"] == 3 and len(second["rows"]) == 1
    assert second["rows"][0]["path"] == "/v1/access-log" and second["rows"][0]["status"] == 200


def test_the_hash_is_of_prev_and_the_canonical_row() -> None:
    fields = {
        "n": 0,
        "ts": "t",
        "token": "k",
        "person": "p",
        "method": "GET",
        "path": "/",
        "status": 200,
    }
    import hashlib

    from govern.ledger.jcs import canonicalize

    assert row_hash(GENESIS, fields) == hashlib.sha256(bytes(32) + canonicalize(fields)).hexdigest()


def _filled(engine: Engine, n: int = 3) -> AccessLog:
    log = AccessLog(engine)
    for i in range(n):
        log.append(
            ts=f"2026-01-0{i + 1}T00:00:00.000000Z",
            token="abcdef012345",
            person="ann",
            method="GET",
            path=f"/v1/provenance/d{i}",
            status=200,
        )
    return log


@pytest.fixture
def sqlite_log(tmp_path) -> Iterator[tuple[AccessLog, str]]:  # type: ignore[no-untyped-def]
    path = tmp_path / "access.db"
    engine = create_engine(f"sqlite:///{path}")
    yield _filled(engine), str(path)
    engine.dispose()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE access_log SET path = '/nothing' WHERE n = 1",
        "DELETE FROM access_log WHERE n = 2",
        "INSERT INTO access_log VALUES (7, 't', 'k', 'p', 'GET', '/', 200, 'aa', 'bb')",
        "INSERT OR REPLACE INTO access_log VALUES (1, 't', 'k', 'p', 'GET', '/', 200, 'aa', 'bb')",
    ],
)
def test_sqlite_refuses_changes_to_the_log(sqlite_log: tuple[AccessLog, str], sql: str) -> None:
    log, path = sqlite_log
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="access log is append-only"):
        conn.execute(sql)
    conn.close()
    assert log.listing().chain_ok and log.listing().size == 3


def test_a_row_changed_around_the_triggers_breaks_the_chain(
    sqlite_log: tuple[AccessLog, str],
) -> None:
    log, path = sqlite_log
    conn = sqlite3.connect(path)
    for name in SQLITE_GUARDS:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE access_log SET path = '/v1/provenance/someone-else' WHERE n = 1")
    conn.commit()
    conn.close()
    listing = log.listing()
    assert not listing.chain_ok
    assert listing.problems == ("row 1 was changed after it was written",)


def test_a_deleted_row_breaks_the_chain(sqlite_log: tuple[AccessLog, str]) -> None:
    _log, path = sqlite_log
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER govern_access_log_no_delete")
    conn.execute("DELETE FROM access_log WHERE n = 1")
    conn.commit()
    conn.close()
    listing = AccessLog(create_engine(f"sqlite:///{path}")).listing()
    assert not listing.chain_ok
    assert "row 1 is missing (the next row is 2)" in listing.problems


def test_the_guards_come_back_on_the_next_append(sqlite_log: tuple[AccessLog, str]) -> None:
    _log, path = sqlite_log
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER govern_access_log_no_update")
    conn.commit()
    conn.close()
    AccessLog(create_engine(f"sqlite:///{path}")).append(
        ts="t", token="k", person="p", method="GET", path="/", status=200
    )
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE access_log SET status = 500")
    conn.close()


@pytest.mark.postgres
def test_postgresql_guards_and_chain(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        log = _filled(engine)
        assert log.listing().chain_ok and log.listing().size == 3
        for sql in [
            "UPDATE access_log SET path = '/nothing' WHERE n = 1",
            "DELETE FROM access_log WHERE n = 2",
            "TRUNCATE access_log",
            "INSERT INTO access_log VALUES (7, 't', 'k', 'p', 'GET', '/', 200, 'aa', 'bb')",
        ]:
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(sql))
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER govern_access_log_no_change ON access_log"))
            conn.execute(text("UPDATE access_log SET person = 'bob' WHERE n = 0"))
        listing = log.listing()
        assert not listing.chain_ok
        assert listing.problems == ("row 0 was changed after it was written",)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_appends_from_two_logs_chain(pg_url: str) -> None:
    """Two processes' logs (two engines) append to one chain."""
    one, two = create_engine(pg_url), create_engine(pg_url)
    try:
        a, b = AccessLog(one), AccessLog(two)
        for i in range(4):
            (a if i % 2 else b).append(
                ts=f"t{i}", token="k", person="p", method="GET", path="/", status=200
            )
        listing = a.listing()
        assert listing.chain_ok and [r.n for r in listing.rows] == [3, 2, 1, 0]
    finally:
        one.dispose()
        two.dispose()


def test_a_log_never_written_reads_as_empty_without_writing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    listing = AccessLog(engine).listing()
    assert listing.chain_ok and listing.size == 0 and listing.rows == ()
    engine.dispose()


@pytest.mark.postgres
def test_the_application_role_appends_to_the_log_init_made(pg_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`govern init`, run by the owner, creates the access log and its guards; the documented
    application role, which owns no table, appends and lists without creating anything, and
    cannot drop the guards or rewrite a row (docs/postgresql.md)."""
    from govern.registry import init_registry
    from tests.ledger.test_pg_roles import documented_roles, url_as

    del pg_url
    with documented_roles() as roles:
        names, schema = roles.names, roles.schema
        init_registry(
            roles.url("govern_owner"),
            "bank.example/govern/log",
            key_path=tmp_path / "k",
            admin="ada",
        )
        roles.grant()
        app = create_engine(url_as(names["govern_app"], schema))
        try:
            log = AccessLog(app)
            first = log.append(
                ts="2026-12-04T00:00:00.000000Z",
                token="t1",
                person="ava",
                method="GET",
                path="/ledger",
                status=200,
            )
            assert first.n == 0 and log.listing().chain_ok
            for sql in (
                "UPDATE access_log SET person = 'x'",
                "DELETE FROM access_log",
                "DROP TRIGGER govern_access_log_no_change ON access_log",
            ):
                with (
                    pytest.raises(DBAPIError, match=r"refused|must be owner|permission denied"),
                    app.begin() as c,
                ):
                    c.execute(text(sql))
            assert log.listing().size == 1
        finally:
            app.dispose()
