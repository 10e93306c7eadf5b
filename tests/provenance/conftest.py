"""Provenance fixtures: the demo's registry (a deployed German credit model, on SQLite), and a
deployed model on each backend (SQLite, and PostgreSQL when GOVERN_TEST_PG_URL is set)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from govern.demo import SERVICE, TARGET, run_demo
from govern.ledger.logkey import load_key
from govern.ledger.note import Signer
from govern.registry import Registry, approvals, deployments, models
from tests.conftest import World
from tests.credit import CODE


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("provenance-demo") / "demo"
    run_demo(folder)
    return folder


@dataclass
class Demo:
    folder: Path
    reg: Registry
    key: Signer
    holdout: pd.DataFrame  # the holdout applications, without the target

    @property
    def db(self) -> Path:
        return self.folder / "registry.db"

    @property
    def verifier_key(self) -> str:
        return str(self.reg.ledger.log_created()["verifier_key"])

    def key_of(self, name: str) -> Path:
        """A demo person's (or the service's) private key (the administrator's is beside the
        registry, as `govern init` leaves it)."""
        if name == "ada":
            return self.folder / "ada_ed25519"
        return self.folder / "keys" / f"{name}_ed25519"

    def act(self, name: str) -> Registry:
        """Make ``name`` the actor: the registry signs with their key from now on."""
        self.reg.use_key(self.key_of(name))
        return self.reg

    def applications(self, prefix: str = "app-") -> tuple[pd.DataFrame, list[str]]:
        return self.holdout, [f"{prefix}{i:04d}" for i in range(len(self.holdout))]


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Iterator[Demo]:
    """A private copy of the demo folder, opened as its scoring service (signing with its key)."""
    folder = tmp_path / "demo"
    shutil.copytree(demo_template, folder)
    holdout = pd.read_csv(folder / "data" / "german-holdout.csv").drop(columns=[TARGET])
    reg = Registry.open(str(folder / "registry.db"), key=folder / "keys" / f"{SERVICE}_ed25519")
    try:
        yield Demo(folder, reg, load_key(folder / "registry.key"), holdout)
    finally:
        reg.close()


def register(world: World, pipeline, **kw):  # type: ignore[no-untyped-def]
    world.act("dan")
    args = dict(
        name="credit-risk",
        training_data=["german-train@1"],
        validation_data=["german-holdout@latest"],
        target=TARGET,
        intended_use="Probability that a consumer credit applicant repays (retail lending).",
        owner="dan",
        risk_tier="high",
        positive_label="good",
        favorable_label="good",
        code=CODE,
    )
    args.update(kw)
    return models.register_model(world.reg, pipeline, **args)


def approve_and_deploy(world: World, ref: str) -> None:
    reg = world.reg
    world.act("val")
    approvals.approve(reg, ref, decision="approve", role="validator", key=world.keys["val"])
    world.act("apo")
    approvals.approve(reg, ref, decision="approve", role="approver", key=world.keys["apo"])
    deployments.deploy(reg, ref, env="production")
