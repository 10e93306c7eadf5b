"""The same monitoring on each backend: SQLite always, PostgreSQL when GOVERN_TEST_PG_URL is set
(where CI requires it)."""

from __future__ import annotations

import pandas as pd

from govern.demo import TARGET
from govern.monitor import monitor
from govern.monitor.record import record
from govern.provenance import erase
from govern.provenance.scorer import Scorer
from govern.records import PolicySet, subjects
from govern.registry import policy as policy_mod
from govern.registry import status
from tests.conftest import World
from tests.provenance.conftest import approve_and_deploy, register
from tests.provenance.helpers import OVERRIDE, as_privacy_officer


def test_outcomes_monitoring_and_recording(world: World, pipeline, german_split) -> None:  # type: ignore[no-untyped-def]
    reg = world.reg
    holdout = pd.read_csv(german_split["holdout"])
    mv = register(world, pipeline)
    approve_and_deploy(world, mv.ref)
    world.act("ada")
    policy = policy_mod.DEFAULT.as_dict()
    policy["monitoring"]["high"]["outcome_window_months"] = 0
    reg.record(PolicySet(subject=subjects.POLICY, policy=policy))
    world.act("svc")
    ids = [f"b-{i}" for i in range(len(holdout))]
    Scorer(reg, mv.ref).decide(holdout.drop(columns=[TARGET]), ids=ids)
    done = reg.outcomes(
        pd.DataFrame({"id": ids, "y": holdout[TARGET]}), id_col="id", outcome_col="y"
    )
    assert done.rows == len(ids)
    world.act("ada")
    as_privacy_officer(reg, world.folder)
    erase(reg, "b-3", reason="erasure request 12", retention_override=OVERRIDE)
    report = monitor(reg, mv.ref, window="week")
    assert report.rows == len(ids) and report.erased == 1
    assert report.outcomes["n"] == len(ids)
    # the holdout is the development sample: nothing has moved
    assert abs(report.outcomes["auc_drop"]) < 1e-9  # type: ignore[arg-type]
    assert all(d.status == "green" for d in report.features)
    world.act("val")
    recorded = record(reg, report)
    assert recorded.finding is None
    st = status.status(reg, mv.ref)
    assert st.monitoring is not None and st.monitoring.last_entry == recorded.result.seq
    reg.verify()
