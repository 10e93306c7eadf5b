"""The PostgreSQL roles of docs/postgresql.md, applied as written, do what the doc says."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from govern.ledger import Ledger, verify_ledger
from govern.registry.bootstrap import init_registry
from tests.conftest import PG_URL

DOC = Path(__file__).resolve().parents[2] / "docs" / "postgresql.md"


def doc_sql() -> list[str]:
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 2, "docs/postgresql.md should hold the two SQL blocks"
    return blocks


def statements(block: str, names: dict[str, str]) -> list[str]:
    body = "\n".join(line for line in block.splitlines() if not line.strip().startswith("--"))
    for old, new in names.items():
        body = re.sub(rf"\b{old}\b", new, body)
    return [s.strip() for s in body.split(";") if s.strip()]


def url_as(user: str, schema: str, role: str | None = None) -> str:
    assert PG_URL is not None
    base = PG_URL.replace("postgres@", f"{user}@", 1)
    opts = f"-csearch_path%3D{schema}" + (f"%20-crole%3D{role}" if role else "")
    return f"{base}{'&' if '?' in base else '?'}options={opts}"


@dataclass
class Roles:
    """A schema and the roles of docs/postgresql.md, made from its first SQL block; ``grant``
    runs its second (after `govern init` as the owner)."""

    names: dict[str, str]
    admin: Any

    @property
    def schema(self) -> str:
        return self.names["govern"]

    def url(self, role: str) -> str:
        """The URL of ``role`` (govern_owner: postgres acting as the owner)."""
        if role == "govern_owner":
            return url_as("postgres", self.schema, role=self.names["govern_owner"])
        return url_as(self.names[role], self.schema)

    def grant(self) -> None:
        with self.admin.begin() as conn:
            for stmt in statements(doc_sql()[1], self.names):
                conn.execute(text(stmt))


@contextmanager
def documented_roles() -> Iterator[Roles]:
    tag = uuid.uuid4().hex[:8]
    names = {
        "govern_owner": f"gov_owner_{tag}",
        "govern_app": f"gov_app_{tag}",
        "govern_auditor": f"gov_aud_{tag}",
        "govern": f"gov_schema_{tag}",
    }
    admin = create_engine(PG_URL)  # type: ignore[arg-type]
    try:
        with admin.begin() as conn:
            for stmt in statements(doc_sql()[0], names):
                conn.execute(text(stmt))
        yield Roles(names, admin)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {names['govern']} CASCADE"))
            for role in ("govern_app", "govern_auditor", "govern_owner"):
                conn.execute(text(f"DROP OWNED BY {names[role]}"))
                conn.execute(text(f"DROP ROLE IF EXISTS {names[role]}"))
        admin.dispose()


@pytest.mark.postgres
def test_documented_roles(pg_url: str, tmp_path: Path) -> None:
    del pg_url  # only for the skip/require logic of the fixture
    with documented_roles() as roles:
        names, schema = roles.names, roles.schema
        reg = init_registry(
            roles.url("govern_owner"),
            "bank.example/govern/roles",
            key_path=tmp_path / "k",
            admin="ada",
        )
        roles.grant()

        app_url = url_as(names["govern_app"], schema)
        with Ledger.open(app_url) as ledger:
            ledger.append_batch(("x.event", {"i": i}, "svc") for i in range(5))
            assert verify_ledger(ledger).size == 7
        app = create_engine(app_url)
        for sql in (
            "UPDATE ledger_entries SET actor = 'x'",
            "DELETE FROM ledger_entries",
            "TRUNCATE ledger_entries",
            "DELETE FROM ledger_checkpoints",
            "DROP TRIGGER govern_ledger_entries_no_change ON ledger_entries",
            "ALTER TABLE ledger_entries DISABLE TRIGGER ALL",
        ):
            with (
                pytest.raises(DBAPIError, match=r"permission denied|must be owner"),
                app.begin() as c,
            ):
                c.execute(text(sql))
        app.dispose()

        auditor_url = url_as(names["govern_auditor"], schema)
        with Ledger.open(auditor_url, readonly=True) as ledger:
            assert verify_ledger(ledger).size == 7
        aud = create_engine(auditor_url)
        with pytest.raises(DBAPIError, match="permission denied"), aud.begin() as c:
            c.execute(
                text(
                    "INSERT INTO ledger_checkpoints (n, size, root, ts, note) "
                    "VALUES (9, 1, '\\x00', 't', 'x')"
                )
            )
        aud.dispose()
        assert reg.origin == "bank.example/govern/roles"
