"""Decision policies: score bands to actions, versioned, pinned by approvals, applied and logged
by the scorer (docs/registry.md, "Decision policies")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from govern.demo import TARGET
from govern.errors import ApprovalStale, BadInput
from govern.provenance.scorer import Scorer
from govern.records import PredictionLogged
from govern.registry import decisions, status
from tests.conftest import World
from tests.provenance.conftest import approve_and_deploy, register
from tests.provenance.helpers import state

BANDS = [(0, "DECLINE"), ("0.4", "REFER"), ("0.6", "APPROVE")]
SEVERITY = ["DECLINE", "REFER", "APPROVE"]


def test_a_policy_is_pinned_applied_and_logged(
    world: World, pipeline: Pipeline, german_split
) -> None:  # type: ignore[no-untyped-def]
    reg = world.reg
    mv = register(world, pipeline)
    approve_and_deploy(world, mv.ref)
    world.act("dan")
    entry = decisions.register(reg, mv.ref, BANDS, severity=SEVERITY, adverse=["DECLINE"])
    assert entry.kind == "decision_policy.registered"
    # the sign-offs did not see it: the approval is stale and scoring stops
    st = status.status(reg, mv.ref)
    assert st.status == status.STALE and any(c.item == "decision policy" for c in st.stale)
    X = pd.read_csv(german_split["holdout"]).drop(columns=[TARGET])
    world.act("svc")
    with pytest.raises(ApprovalStale):
        Scorer(reg, mv.ref).decide(X.iloc[:5])
    # fresh sign-offs pin it; the deployment stands
    approve_and_deploy_again(world, mv.ref)
    assert status.status(reg, mv.ref).status == status.DEPLOYED
    world.act("svc")
    batch = Scorer(reg, mv.ref).decide(X)
    p = pipeline.predict_proba(X)[:, list(pipeline.classes_).index("good")]
    expected = np.where(p >= 0.6, "APPROVE", np.where(p >= 0.4, "REFER", "DECLINE"))
    assert list(batch.actions) == list(expected)
    assert set(batch.actions) == set(SEVERITY)
    logged = PredictionLogged.from_entry(reg.entry(batch.first_seq + 3))
    assert logged.output.action == expected[3]
    assert "action" in batch.frame().columns
    reg.verify()


def approve_and_deploy_again(world: World, ref: str) -> None:
    from govern.registry import approvals

    for who, role in (("val", "validator"), ("apo", "approver")):
        world.act(who)
        approvals.approve(world.reg, ref, decision="approve", role=role)


@pytest.mark.parametrize(
    ("bands", "severity", "adverse", "message"),
    [
        ([("0.1", "A")], ["A"], [], "must start at score 0"),
        ([(0, "A"), ("0.5", "B"), ("0.5", "C")], ["A", "B", "C"], [], "increase strictly"),
        ([(0, "A"), ("0.5", "B")], ["A"], [], "every action once"),
        ([(0, "A"), ("0.5", "B")], ["A", "B"], ["X"], "is not an action"),
        ([(0, "A"), ("1.5", "B")], ["A", "B"], [], r"in \[0, 1\)"),
        ([(0, "A"), ("x", "B")], ["A", "B"], [], "is not a score"),
    ],
)
def test_bad_policies_are_refused_with_nothing_written(
    world: World,
    pipeline: Pipeline,
    bands,
    severity,
    adverse,
    message,  # type: ignore[no-untyped-def]
) -> None:
    mv = register(world, pipeline)
    before = state(world.reg)
    with pytest.raises(BadInput, match=message):
        decisions.register(world.reg, mv.ref, bands, severity=severity, adverse=adverse)
    assert state(world.reg) == before
