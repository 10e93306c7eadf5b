"""Registry fixtures: the German credit data, a trained pipeline, people with real SSH keys."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from govern.registry import Registry, catalog, people
from govern.registry.bootstrap import init_registry
from govern.registry.sshsig import new_keypair
from tests.credit import CODE, COMMIT, GERMAN, TARGET, make_pipeline  # noqa: F401


@dataclass
class World:
    reg: Registry
    keys: dict[str, Path]
    folder: Path


@pytest.fixture
def world(backend_url: str, tmp_path: Path, german_split: dict[str, Path]) -> Iterator[World]:
    """A registry with data registered and dan (developer), val (validator), apo (approver)."""
    init = init_registry(
        backend_url, "bank.example/govern/credit", key_path=tmp_path / "log.key", admin="ada"
    )
    assert init.admin_key is not None
    keys = {"ada": init.admin_key}
    reg = Registry.open(backend_url, actor="ada", artifacts=tmp_path / "artifacts")
    roles = {
        "dan": ["developer"],
        "val": ["validator"],
        "apo": ["approver"],
        "vic": ["validator", "approver"],
    }
    for name, rs in roles.items():
        keys[name] = tmp_path / f"{name}_ed25519"
        pub = new_keypair(keys[name], comment=name)
        people.enroll(reg, name, rs, pub.openssh(), admin="ada", admin_key=keys["ada"])
    reg.actor = "dan"
    catalog.add_dataset(
        reg,
        german_split["train"],
        name="german-train",
        target=TARGET,
        source="s3://bank-data/german/train.csv?versionId=3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY",
    )
    catalog.add_dataset(reg, german_split["holdout"], name="german-holdout", target=TARGET)
    try:
        yield World(reg, keys, tmp_path)
    finally:
        reg.close()
