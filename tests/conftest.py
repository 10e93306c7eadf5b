"""Shared fixtures: real registries on SQLite (always) and PostgreSQL (when its URL is set)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from sklearn.pipeline import Pipeline
from sqlalchemy import create_engine, text

from govern.ledger import Ledger
from govern.ledger.logkey import load_key
from govern.registry import Registry, catalog, people
from govern.registry.bootstrap import InitResult, init_registry
from govern.registry.sshsig import new_keypair
from tests.credit import GERMAN, TARGET, make_pipeline

PG_URL = os.environ.get("GOVERN_TEST_PG_URL")
ORIGIN = "test.example/govern/ledger"


def pg_schema_url(schema: str) -> str:
    assert PG_URL is not None
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema on the test server, dropped afterwards."""
    if not PG_URL:
        if os.environ.get("GOVERN_REQUIRE_PG"):
            pytest.fail("GOVERN_REQUIRE_PG is set but GOVERN_TEST_PG_URL is not")
        pytest.skip(
            "PostgreSQL tests need GOVERN_TEST_PG_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    schema = "govern_t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield pg_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "registry.db")
    return str(request.getfixturevalue("pg_url"))


def make_registry(db: str, tmp_path: Path) -> InitResult:
    return init_registry(db, ORIGIN, key_path=tmp_path / "log.key", admin="ada")


@pytest.fixture
def registry(backend_url: str, tmp_path: Path) -> InitResult:
    return make_registry(backend_url, tmp_path)


@pytest.fixture
def ledger(registry: InitResult) -> Iterator[Ledger]:
    with Ledger.open(registry.url) as opened:
        yield opened


@pytest.fixture
def sqlite_registry(tmp_path: Path) -> InitResult:
    return make_registry(str(tmp_path / "registry.db"), tmp_path)


@pytest.fixture
def signer(registry: InitResult):  # type: ignore[no-untyped-def]
    return load_key(registry.key_path)


@pytest.fixture(scope="session")
def german() -> pd.DataFrame:
    return pd.read_csv(GERMAN)


@pytest.fixture(scope="session")
def german_split(german: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 70/30 split of the German credit data, written as CSV files."""
    folder = tmp_path_factory.mktemp("german")
    train = german.sample(frac=0.7, random_state=7)
    holdout = german.drop(train.index)
    paths = {"train": folder / "train.csv", "holdout": folder / "holdout.csv"}
    train.to_csv(paths["train"], index=False)
    holdout.to_csv(paths["holdout"], index=False)
    return paths


@pytest.fixture(scope="session")
def pipeline(german_split: dict[str, Path]) -> Pipeline:
    """A fitted Pipeline (one-hot categoricals, scaled numbers, logistic regression)."""
    train = pd.read_csv(german_split["train"])
    model = make_pipeline(train)
    model.fit(train.drop(columns=[TARGET]), train[TARGET])
    return model


@dataclass
class World:
    reg: Registry
    keys: dict[str, Path]
    folder: Path

    def act(self, name: str) -> Registry:
        """Make ``name`` the actor: the registry signs with their key from now on."""
        self.reg.use_key(self.keys[name])
        return self.reg


def make_world(
    url: str,
    tmp_path: Path,
    german_split: dict[str, Path],
    *,
    open_url: str | None = None,
    after_init: Callable[[], None] | None = None,
) -> World:
    """A registry with data registered and dan (developer), val (validator), apo (approver),
    vic (validator and approver), svc (service). ``open_url`` is the URL the registry is used
    through after ``govern init`` at ``url`` (PostgreSQL's application role); ``after_init``
    runs between the two (the grants of docs/postgresql.md)."""
    init = init_registry(
        url, "bank.example/govern/credit", key_path=tmp_path / "log.key", admin="ada"
    )
    if after_init is not None:
        after_init()
    assert init.admin_key is not None
    keys = {"ada": init.admin_key}
    reg = Registry.open(open_url or url, key=keys["ada"], artifacts=tmp_path / "artifacts")
    roles = {
        "dan": ["developer"],
        "val": ["validator"],
        "apo": ["approver"],
        "vic": ["validator", "approver"],
        "svc": ["service"],
    }
    for name, rs in roles.items():
        keys[name] = tmp_path / f"{name}_ed25519"
        pub = new_keypair(keys[name], comment=name)
        people.enroll(reg, name, rs, pub.openssh())
    reg.use_key(keys["dan"])
    catalog.add_dataset(
        reg,
        german_split["train"],
        name="german-train",
        target=TARGET,
        source="s3://bank-data/german/train.csv?versionId=3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY",
    )
    catalog.add_dataset(reg, german_split["holdout"], name="german-holdout", target=TARGET)
    return World(reg, keys, tmp_path)


@pytest.fixture
def world(backend_url: str, tmp_path: Path, german_split: dict[str, Path]) -> Iterator[World]:
    """A registry with data registered and dan (developer), val (validator), apo (approver)."""
    made = make_world(backend_url, tmp_path, german_split)
    try:
        yield made
    finally:
        made.reg.close()
