"""Many callers at once, on SQLite and PostgreSQL: 32 clients sending 200 single-row requests
each; then a model switch while clients are sending."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from govern.records import PredictionLogged
from govern.registry import Registry, approvals, deployments, tokens
from govern.serve import decisions_app
from tests.conftest import World, make_world
from tests.credit import TARGET
from tests.provenance.conftest import approve_and_deploy, register
from tests.serve.conftest import running

CLIENTS, EACH = 32, 200


@dataclass
class Live:
    world: World
    token: str
    rows: list[dict[str, Any]]


@pytest.fixture
def live(backend_url: str, tmp_path, german_split, pipeline: Pipeline) -> Iterator[Live]:  # type: ignore[no-untyped-def]
    world = make_world(backend_url, tmp_path, german_split)
    mv = register(world, pipeline)
    approve_and_deploy(world, mv.ref)
    world.act("ada")
    token = tokens.issue(world.reg, "svc", scope="decide").text
    world.act("svc")
    holdout = pd.read_csv(german_split["holdout"]).drop(columns=[TARGET])
    rows = [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in holdout.to_dict("records")
    ]
    try:
        yield Live(world, token, rows)
    finally:
        world.reg.close()


def send(
    url: str,
    token: str,
    rows: list[dict[str, Any]],
    ids: list[str],
    out: dict[str, Any],
    errors: list[str],
) -> None:
    with httpx.Client(
        base_url=url, timeout=120, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        for i, pid in enumerate(ids):
            got = client.post(
                "/v1/models/credit-risk/decisions",
                json={"rows": [rows[i % len(rows)]], "ids": [pid]},
            )
            if got.status_code != 200:
                errors.append(f"{pid}: {got.status_code} {got.text}")
                continue
            out[pid] = got.json()["decisions"][0]


def logged(reg: Registry) -> dict[str, tuple[int, str]]:
    return {
        PredictionLogged.from_entry(e).subject: (e.seq, PredictionLogged.from_entry(e).model)
        for e in reg.ledger.entries(kind=PredictionLogged.KIND)
    }


@pytest.mark.slow
def test_32_clients_at_once_lose_and_duplicate_nothing(live: Live) -> None:
    reg = live.world.reg
    app = decisions_app(reg)
    answers: dict[str, Any] = {}
    errors: list[str] = []
    with running(app) as url:
        threads = [
            threading.Thread(
                target=send,
                args=(
                    url,
                    live.token,
                    live.rows,
                    [f"c{k}-{i}" for i in range(EACH)],
                    answers,
                    errors,
                ),
            )
            for k in range(CLIENTS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    found = logged(reg)
    assert len(answers) == len(found) == CLIENTS * EACH
    assert set(found) == set(answers)
    for pid, answer in answers.items():
        assert found[pid][0] == answer["entry"]
    # batched: far fewer batches than requests
    assert app.state.decider.batches < CLIENTS * EACH / 2
    reg.verify()


@pytest.mark.slow
def test_a_switch_while_clients_send_logs_each_decision_under_the_version_deployed_then(
    live: Live, pipeline: Pipeline
) -> None:
    world = live.world
    reg = world.reg
    # a second version, approved; deploying it retires the first in production
    world.act("dan")
    v2 = register(world, pipeline)
    world.act("val")
    approvals.approve(reg, v2.ref, decision="approve", role="validator", key=world.keys["val"])
    world.act("apo")
    approvals.approve(reg, v2.ref, decision="approve", role="approver", key=world.keys["apo"])
    world.act("svc")
    app = decisions_app(reg)
    answers: dict[str, Any] = {}
    errors: list[str] = []
    switched: list[int] = []
    with running(app) as url:
        threads = [
            threading.Thread(
                target=send,
                args=(
                    url,
                    live.token,
                    live.rows,
                    [f"s{k}-{i}" for i in range(60)],
                    answers,
                    errors,
                ),
            )
            for k in range(8)
        ]
        for t in threads:
            t.start()
        while len(answers) < 120:
            threading.Event().wait(0.01)
        with Registry.open(
            str(reg.ledger.engine.url.render_as_string(hide_password=False)),
            key=world.keys["apo"],
            artifacts=world.folder / "artifacts",
        ) as approver:
            entry = deployments.deploy(approver, v2.ref, env="production")
            switched.append(entry.seq)
        for t in threads:
            t.join()
    assert errors == []
    found = logged(reg)
    assert len(answers) == 8 * 60
    before = {pid for pid, (seq, _m) in found.items() if seq < switched[0] and pid.startswith("s")}
    after = {pid for pid, (seq, _m) in found.items() if seq > switched[0] and pid.startswith("s")}
    assert before and after and len(before) + len(after) == 8 * 60
    assert {found[p][1] for p in before} == {"credit-risk@1"}
    assert {found[p][1] for p in after} == {v2.ref}
    assert all(answers[p]["model"] == found[p][1] for p in answers)
    reg.verify()
