"""A recorded analysis in the evidence: the card's section 9 filled, the reg-b disparity
requirement met; and Reg B's age rule for applicants aged 62 or over (docs/fairness.md)."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from govern.documents import coverage as cov
from govern.documents.card import build_card
from govern.fairness import analyse, latest
from govern.fairness import record as record_result
from govern.fairness.elderly import ELDERLY
from govern.records import FairnessResult, subjects
from govern.registry import catalog, models
from tests.conftest import World
from tests.credit import TARGET, make_pipeline
from tests.fairness.conftest import AGE, POLICY, set_policy
from tests.provenance.conftest import register

AGE_POLICY = POLICY.replace(
    'bands = [[0, "under 25"], [25, "25 to 59"], [60, "60 and over"]]',
    'age = true\nbands = [[0, "under 25"], [25, "25 to 59"], [60, "60 and over"]]',
)


@pytest.fixture(scope="module")
def ageist_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    """Trained where every applicant aged 55 or over was labelled bad: age pushes old
    applicants toward a decline."""
    from tests.credit import GERMAN

    train = pd.read_csv(GERMAN).sample(frac=0.7, random_state=42).sort_index()
    train.loc[train[AGE] >= 55, TARGET] = "bad"
    model = make_pipeline(train)
    model.fit(train.drop(columns=[TARGET]), train[TARGET])
    return model


def test_a_recorded_analysis_fills_section_9_and_meets_the_disparity_requirement(
    world: World, pipeline: Pipeline
) -> None:
    ref = register(world, pipeline).ref
    world.act("ada")
    set_policy(world.reg, POLICY)
    missing = cov.coverage(world.reg, ref, "reg-b")
    [row] = [r for r in missing.rows if r.requirement.id == "disparity"]
    assert not row.satisfied
    # an insider's passing result appended around the signatures meets nothing
    forged = FairnessResult(
        subject=subjects.fairness(ref),
        model=ref,
        model_entry=models.resolve(world.reg, ref).leaf,
        source="german-holdout@1",
        source_sha256="0" * 64,
        rows=300,
        passed=True,
        uses_designated=(),
        groups=(),
        breaches=(),
        figures={},
    )
    world.reg.ledger.append(forged.KIND, forged.to_payload(), actor="val")
    [row] = [
        r for r in cov.coverage(world.reg, ref, "reg-b").rows if r.requirement.id == "disparity"
    ]
    assert not row.satisfied and latest(world.reg, ref) is None
    holdout = catalog.load(world.reg, "german-holdout@1")
    report = analyse(
        world.reg, ref, data=holdout, data_name="german-holdout@1", with_alternatives=False
    )
    world.act("val")
    done = record_result(world.reg, report)
    met = cov.coverage(world.reg, ref, "reg-b")
    [row] = [r for r in met.rows if r.requirement.id == "disparity"]
    assert row.satisfied and f"entry {done.result.seq}" in row.evidence[0].detail
    text = " ".join(build_card(world.reg, ref, explain=False).plain.split())
    assert "this model uses personal_status_and_sex, a designated attribute" in text
    assert "Fair-lending analysis on german-holdout@1" in text
    women = next(g for g in report.groups if g.group == "female")
    assert f"{women.air:.3f}" in text


@pytest.mark.slow
def test_age_pushing_applicants_aged_62_or_over_toward_a_decline_is_flagged(
    world: World, ageist_pipeline: Pipeline
) -> None:
    ref = register(world, ageist_pipeline).ref
    world.act("ada")
    set_policy(world.reg, AGE_POLICY)
    holdout = catalog.load(world.reg, "german-holdout@1")
    report = analyse(
        world.reg, ref, data=holdout, data_name="german-holdout@1", with_alternatives=False
    )
    X = holdout.drop(columns=[TARGET])
    good = list(ageist_pipeline.classes_).index("good")
    declined_old = int(
        ((ageist_pipeline.predict_proba(X)[:, good] < 0.5) & (X[AGE] >= ELDERLY)).sum()
    )
    assert declined_old > 0
    [line] = [b for b in report.breaches if "1002.6(b)(2)" in b]
    adverse = int(line.split(" contributed toward the decline of ")[1].split(" of ")[0])
    assert f"of {declined_old} declined applicants aged 62 or over" in line
    assert 0 < adverse <= declined_old
    assert not report.passed
    # without the age mark, no such line
    world.act("ada")
    set_policy(world.reg, POLICY)
    plain = analyse(
        world.reg, ref, data=holdout, data_name="german-holdout@1", with_alternatives=False
    )
    assert not any("1002.6(b)(2)" in b for b in plain.breaches + plain.notes)
