"""The fair-lending figures on German credit, checked against a direct computation
(docs/fairness.md, "The figures")."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from govern.errors import BadInput
from govern.fairness import adverse_impact_ratio, analyse, designated_features, form, latest
from govern.fairness import record as record_result
from govern.registry import catalog, findings
from tests.conftest import World
from tests.credit import TARGET
from tests.fairness.conftest import AGE, FEMALE, POLICY, SEX, set_policy
from tests.provenance.conftest import register

MALE = ["male : single", "male : married/widowed", "male : divorced/separated"]


def _holdout(world: World) -> pd.DataFrame:
    return catalog.load(world.reg, "german-holdout@1")


def _setup(world: World, model: object, policy: str = POLICY) -> str:
    ref = register(world, model).ref
    world.act("ada")
    set_policy(world.reg, policy)
    return ref


def test_rates_and_ratios_equal_a_direct_computation(world: World, pipeline) -> None:  # type: ignore[no-untyped-def]
    ref = _setup(world, pipeline)
    holdout = _holdout(world)
    report = analyse(world.reg, ref, data=holdout, data_name="german-holdout@1")
    # the decisions, directly: approved where P(good) reaches the registered threshold 0.5
    X = holdout.drop(columns=[TARGET])
    good = list(pipeline.classes_).index("good")
    score = pipeline.predict_proba(X)[:, good]
    frame = pd.DataFrame(
        {
            "approved": score >= 0.5,
            "score": score,
            "good": holdout[TARGET] == "good",
            "sex": np.where(holdout[SEX] == FEMALE, "female", "male"),
            "age": pd.cut(
                holdout[AGE],
                [0, 25, 60, 200],
                right=False,
                labels=["under 25", "25 to 59", "60 and over"],
            ).astype(str),
        }
    )
    by = {(g.attribute, g.group): g for g in report.groups}
    for attribute, column, reference in ((SEX, "sex", "male"), (AGE, "age", "25 to 59")):
        rates = frame.groupby(column)["approved"].mean()
        counts = frame.groupby(column).size()
        for group, rate in rates.items():
            g = by[(attribute, str(group))]
            assert g.count == counts[group]
            assert g.approval_rate == pytest.approx(rate, abs=1e-12)
            assert g.air == pytest.approx(rate / rates[reference], abs=1e-12)
            sub = frame[frame[column] == group]
            fpr = sub.loc[~sub.good, "approved"].mean()  # approved among bad outcomes
            fnr = (~sub.loc[sub.good, "approved"]).mean()  # declined among good outcomes
            assert g.fpr == pytest.approx(fpr, abs=1e-12)
            assert g.fnr == pytest.approx(fnr, abs=1e-12)
            ref_scores = frame.loc[frame[column] == reference, "score"]
            pooled = math.sqrt(
                ((len(sub) - 1) * sub.score.var() + (len(ref_scores) - 1) * ref_scores.var())
                / (len(sub) + len(ref_scores) - 2)
            )
            assert g.smd == pytest.approx((sub.score.mean() - ref_scores.mean()) / pooled)
    assert by[(SEX, "male")].status == "reference" and by[(SEX, "female")].status == "pass"
    # the holdout has 20 applicants of 60 and over: stated as too few, never a pass
    old = by[(AGE, "60 and over")]
    assert old.count < 30 and old.status == "too few rows"
    assert any("60 and over" in line and "too few" in line for line in report.unmeasured)
    assert report.passed and not report.breaches
    # the model was trained on every column: it uses both designated attributes
    assert report.uses_designated == (SEX, AGE)
    # proxies: the strongest first, no attribute screened against itself
    aucs = [p.auc or 0.0 for p in report.proxies]
    assert aucs == sorted(aucs, reverse=True)
    assert all(p.feature != p.attribute for p in report.proxies)
    # reasons by group: shares of the declined applicants of each group
    declined_women = int((~frame.approved & (frame.sex == "female")).sum())
    women = [r for r in report.reasons if r.attribute == SEX and r.group == "female"]
    assert women and all(r.declined == declined_women and 0 < r.share <= 1 for r in women)
    # the version itself is the first alternative, its lowest measured ratio its groups'
    first = report.alternatives[0]
    assert first.model == ref and first.relation == "this version"
    measured = [g.air for g in report.groups if g.status in ("pass", "fail")]
    assert first.lowest_air == pytest.approx(min(measured))


def test_the_interval_of_the_ratio() -> None:
    ratio, low, high = adverse_impact_ratio(60, 100, 80, 100)
    assert ratio == pytest.approx(0.75)
    se = math.sqrt(0.4 / 60 + 0.2 / 80)
    assert low == pytest.approx(0.75 * math.exp(-1.959963984540054 * se))
    assert high == pytest.approx(0.75 * math.exp(1.959963984540054 * se))
    assert adverse_impact_ratio(0, 50, 10, 50) == (0.0, None, None)
    assert adverse_impact_ratio(5, 50, 0, 50) == (None, None, None)


def test_groups_are_formed_as_designated() -> None:
    import tomllib

    from govern.registry.policy import from_dict

    rule = from_dict(tomllib.loads(POLICY)).fairness
    assert rule is not None
    sex, age = rule.attributes
    formed = form(sex, pd.Series([*MALE, FEMALE, "unknown", None]))
    assert formed.tolist() == ["male", "male", "male", "female", "unknown", None]
    assert form(age, pd.Series([19, 24.9, 25, 59, 60, 75, None])).tolist() == [
        "under 25",
        "under 25",
        "25 to 59",
        "25 to 59",
        "60 and over",
        "60 and over",
        None,
    ]
    assert designated_features(rule, ["duration_in_month", AGE, SEX]) == [AGE, SEX]


@pytest.mark.slow
def test_an_injected_bias_breaches_and_raises_a_finding(
    world: World, biased_pipeline, blind_pipeline
) -> None:  # type: ignore[no-untyped-def]
    ref = _setup(world, biased_pipeline)
    # credit-risk@2, a candidate on the same data that sees neither attribute
    blind = register(world, blind_pipeline, features=list(blind_pipeline.feature_names_in_)).ref
    holdout = _holdout(world)
    report = analyse(world.reg, ref, data=holdout, data_name="german-holdout@1")
    women = next(g for g in report.groups if g.group == "female")
    assert women.air is not None and women.air < 0.8 and women.status == "fail"
    assert women.air_high is not None and women.air_low is not None
    assert women.air_low < women.air < women.air_high
    assert not report.passed
    assert any("female against male: adverse impact ratio" in b for b in report.breaches)
    # the less discriminatory alternative: the other version, its ratio for women higher
    alt = {a.model: a for a in report.alternatives}
    assert alt[blind].relation == "other version"
    women_air = {
        a.model: next(g.air for g in a.groups if g.group == "female") for a in alt.values()
    }
    assert women_air[blind] > women_air[ref] and women_air[ref] == pytest.approx(women.air)
    assert alt[blind].roc_auc is not None
    # recorded by a validator: the result and a finding naming the breach, in one transaction
    world.act("val")
    done = record_result(world.reg, report)
    assert done.finding is not None and done.finding.seq == done.result.seq + 1
    opened = findings.open_findings(world.reg, ref)
    assert [f.severity for f in opened] == ["medium"]
    assert "adverse impact ratio" in opened[0].text and "female" in opened[0].text
    entry, result = latest(world.reg, ref)  # type: ignore[misc]
    assert entry.seq == done.result.seq and not result.passed
    assert result.uses_designated == (SEX, AGE)
    assert next(g for g in result.groups if g.group == "female").status == "fail"
    # the blind version uses no designated attribute, and was never analysed
    assert latest(world.reg, blind) is None
    blind_report = analyse(world.reg, blind, data=holdout, data_name="german-holdout@1")
    assert blind_report.uses_designated == ()


def test_bad_input(world: World, blind_pipeline) -> None:  # type: ignore[no-untyped-def]
    # a model that sees neither attribute: the analysis needs them in the data all the same
    ref = register(world, blind_pipeline, features=list(blind_pipeline.feature_names_in_)).ref
    holdout = _holdout(world)
    with pytest.raises(BadInput, match="designates no groups for credit-risk"):
        analyse(world.reg, ref, data=holdout)
    world.act("ada")
    set_policy(world.reg)
    with pytest.raises(BadInput, match="no column 'age_in_years', which the policy designates"):
        analyse(world.reg, ref, data=holdout.assign(age_in_years=None).drop(columns=[AGE]))
    world.act("ada")
    set_policy(world.reg, POLICY.replace('reference = "male"', 'reference = "men"'))
    with pytest.raises(BadInput, match="reference group 'men' of personal_status_and_sex is not"):
        analyse(world.reg, ref, data=holdout)
    world.act("ada")
    set_policy(world.reg, POLICY.replace("min_rows = 30", "min_rows = 250"))
    with pytest.raises(BadInput, match=r"reference group 'male' .* has 217 rows, too few"):
        analyse(world.reg, ref, data=holdout)
