"""Registry fixtures: the German credit data, a trained pipeline, people with real SSH keys."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from govern.registry import Registry, catalog, people
from govern.registry.bootstrap import init_registry
from govern.registry.codeversion import given
from govern.registry.sshsig import new_keypair

GERMAN = Path(__file__).resolve().parents[2] / "govern" / "data" / "germancredit.csv"
TARGET = "creditability"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
CODE = given(COMMIT, "https://git.example/bank/credit-model.git", "main")


@pytest.fixture(scope="session")
def german() -> pd.DataFrame:
    return pd.read_csv(GERMAN)


@pytest.fixture(scope="session")
def german_split(german: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("german")
    train = german.sample(frac=0.7, random_state=7)
    holdout = german.drop(train.index)
    paths = {"train": folder / "train.csv", "holdout": folder / "holdout.csv"}
    train.to_csv(paths["train"], index=False)
    holdout.to_csv(paths["holdout"], index=False)
    return paths


def make_pipeline(frame: pd.DataFrame) -> Pipeline:
    X = frame.drop(columns=[TARGET])
    categorical = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    pre = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
            ("num", StandardScaler(), numeric),
        ]
    )
    return Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=1000))])


@pytest.fixture(scope="session")
def pipeline(german_split: dict[str, Path]) -> Pipeline:
    train = pd.read_csv(german_split["train"])
    model = make_pipeline(train)
    model.fit(train.drop(columns=[TARGET]), train[TARGET])
    return model


@dataclass
class World:
    reg: Registry
    keys: dict[str, Path]
    folder: Path


@pytest.fixture
def world(backend_url: str, tmp_path: Path, german_split: dict[str, Path]) -> Iterator[World]:
    """A registry with data registered and dan (developer), val (validator), apo (approver)."""
    init = init_registry(backend_url, "bank.example/govern/credit", key_path=tmp_path / "log.key",
                         admin="ada")
    assert init.admin_key is not None
    keys = {"ada": init.admin_key}
    reg = Registry.open(backend_url, actor="ada", artifacts=tmp_path / "artifacts")
    roles = {"dan": ["developer"], "val": ["validator"], "apo": ["approver"],
             "vic": ["validator", "approver"]}
    for name, rs in roles.items():
        keys[name] = tmp_path / f"{name}_ed25519"
        pub = new_keypair(keys[name], comment=name)
        people.enroll(reg, name, rs, pub.openssh(), admin="ada", admin_key=keys["ada"])
    reg.actor = "dan"
    catalog.add_dataset(reg, german_split["train"], name="german-train", target=TARGET,
                        source="s3://bank-data/german/train.csv?versionId=3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")
    catalog.add_dataset(reg, german_split["holdout"], name="german-holdout", target=TARGET)
    try:
        yield World(reg, keys, tmp_path)
    finally:
        reg.close()
