"""The database itself refuses to rewrite the ledger, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from govern.ledger import Ledger, verify_ledger
from govern.registry.bootstrap import InitResult
from tests.ledger.tamper import execute, fetch


def _statements(dialect: str) -> list[str]:
    stmts = [
        "UPDATE ledger_entries SET actor = 'mallory' WHERE seq = 1",
        "UPDATE ledger_entries SET body = body WHERE seq = 1",
        "DELETE FROM ledger_entries WHERE seq = 2",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_entries SET nodes = nodes WHERE seq = 3",
        "UPDATE ledger_head SET size = 1",
        "UPDATE ledger_head SET size = size",
        "DELETE FROM ledger_head",
        "INSERT INTO ledger_head (id, origin, size, root, tip, frontier, last_ts) "
        "SELECT 2, origin, size, root, tip, frontier, last_ts FROM ledger_head",
        "UPDATE ledger_checkpoints SET note = 'x'",
        "DELETE FROM ledger_checkpoints",
        # a new entry that skips ahead, or reuses a position
        "INSERT INTO ledger_entries (seq, kind, subject, ts, actor, leaf, body, nodes) "
        "SELECT seq + 10, kind, subject, ts, actor, leaf, body, nodes FROM ledger_entries WHERE seq = 3",
        "INSERT INTO ledger_entries (seq, kind, subject, ts, actor, leaf, body, nodes) "
        "SELECT seq, kind, subject, ts, 'mallory', leaf, body, nodes FROM ledger_entries WHERE seq = 3",
        "INSERT INTO ledger_entries (seq, kind, subject, ts, actor, leaf, body, nodes) "
        "SELECT 3, kind, subject, ts, 'mallory', leaf, body, nodes FROM ledger_entries WHERE seq = 3 "
        "ON CONFLICT (seq) DO UPDATE SET actor = 'mallory'",
        "INSERT INTO ledger_head (id, origin, size, root, tip, frontier, last_ts) "
        "SELECT id, origin, size, root, tip, frontier, last_ts FROM ledger_head WHERE true "
        "ON CONFLICT (id) DO UPDATE SET size = 0",
    ]
    if dialect == "sqlite":
        stmts += [
            "INSERT OR REPLACE INTO ledger_entries (seq, kind, subject, ts, actor, leaf, body, nodes) "
            "SELECT seq, kind, subject, ts, 'mallory', leaf, body, nodes FROM ledger_entries "
            "WHERE seq = 3",
            "REPLACE INTO ledger_entries (seq, kind, subject, ts, actor, leaf, body, nodes) "
            "SELECT seq, kind, subject, ts, actor, leaf, body, x'00' FROM ledger_entries "
            "WHERE seq = 5",
            "INSERT OR REPLACE INTO ledger_head (id, origin, size, root, tip, frontier, last_ts) "
            "SELECT id, origin, 0, root, tip, frontier, last_ts FROM ledger_head",
            "INSERT OR REPLACE INTO ledger_checkpoints (n, size, root, ts, note) "
            "SELECT n, size, root, ts, 'forged' FROM ledger_checkpoints",
        ]
    else:
        stmts += [f"TRUNCATE {t}" for t in ("ledger_entries", "ledger_head", "ledger_checkpoints")]
        stmts += ["TRUNCATE ledger_entries, ledger_head, ledger_checkpoints"]
        stmts += [
            "SET session_replication_role = replica; DELETE FROM ledger_entries WHERE seq = 2",
        ]
    return stmts


def test_every_rewrite_is_refused(registry: InitResult, signer) -> None:  # type: ignore[no-untyped-def]
    with Ledger.open(registry.url) as ledger:
        ledger.append_batch(("x.event", {"i": i}, "bot") for i in range(20))
        ledger.sign_checkpoint(signer)
        dialect = ledger.engine.dialect.name
        before = fetch(
            registry.url, "SELECT seq, leaf, body, actor FROM ledger_entries ORDER BY seq"
        )
        for sql in _statements(dialect):
            sql = sql.replace("'\\x00'", "'\\x00'::bytea") if dialect != "sqlite" else sql
            with pytest.raises(DBAPIError) as exc:
                execute(registry.url, sql)
            assert "append-only" in str(exc.value) or "refused" in str(exc.value), sql
        after = fetch(
            registry.url, "SELECT seq, leaf, body, actor FROM ledger_entries ORDER BY seq"
        )
        assert after == before
        assert verify_ledger(ledger).size == 22
