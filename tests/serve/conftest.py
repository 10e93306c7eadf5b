"""Serving fixtures: a real uvicorn server on 127.0.0.1, started in a thread for one test, and
the demo's registry with a decide token and a read token issued."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import uvicorn

from govern.demo import SERVICE, TARGET
from govern.registry import Registry, people, tokens
from govern.registry.sshsig import new_keypair
from tests.provenance.conftest import demo_template  # noqa: F401  (the session's demo)

AUDITOR = "ann"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(app: object, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 in a thread; its base URL."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


@dataclass
class Served:
    folder: Path
    decide: str  # the service's decide token
    read: str  # the auditor's read token
    holdout: pd.DataFrame

    @property
    def db(self) -> str:
        return str(self.folder / "registry.db")

    def key_of(self, name: str) -> Path:
        if name == "ada":
            return self.folder / "ada_ed25519"
        return self.folder / "keys" / f"{name}_ed25519"

    def open(self, as_: str | None = None) -> Registry:
        return Registry.open(self.db, key=self.key_of(as_) if as_ else None)


@pytest.fixture
def served(demo_template: Path, tmp_path: Path) -> Served:  # noqa: F811
    """A private copy of the demo, with an auditor enrolled and a token for each scope."""
    folder = tmp_path / "demo"
    shutil.copytree(demo_template, folder)
    with Registry.open(str(folder / "registry.db"), key=folder / "ada_ed25519") as reg:
        key = folder / "keys" / f"{AUDITOR}_ed25519"
        pub = new_keypair(key, comment=f"{AUDITOR}@demo")
        people.enroll(reg, AUDITOR, ["auditor"], pub.openssh())
        decide = tokens.issue(reg, SERVICE, scope="decide").text
        read = tokens.issue(reg, AUDITOR, scope="read").text
    holdout = pd.read_csv(folder / "data" / "german-holdout.csv").drop(columns=[TARGET])
    return Served(folder, decide, read, holdout)
