"""A finished demo registry, shared (read-mostly) by the integration tests of one session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govern.demo import run_demo


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-template") / "demo"
    run_demo(folder)
    return folder


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo folder (registry, keys, data, artifacts)."""
    target = tmp_path / "demo"
    shutil.copytree(demo_template, target)
    return target
