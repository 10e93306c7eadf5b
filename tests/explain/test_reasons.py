"""Reason codes: the table format, the default table, and the choice of principal reasons."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from govern.errors import BadInput, NotFound
from govern.explain import (
    ModelExplainer,
    ReasonRule,
    default_reason_table,
    load_reason_table,
    parse_reason_table,
    select_reasons,
)
from tests.explain.conftest import Data

TABLE = Path(__file__).parent / "germancredit_reasons.toml"
GROUPS = {
    "O01": [
        "other_installment_plans",
        "number_of_existing_credits_at_this_bank",
        "installment_rate_in_percentage_of_disposable_income",
    ],
    "P01": ["property", "housing", "present_residence_since"],
}


@pytest.fixture(scope="module")
def explainer(german_boosting: Pipeline) -> ModelExplainer:
    return ModelExplainer(german_boosting)


@pytest.fixture(scope="module")
def declined(german_boosting: Pipeline, german: Data) -> int:
    """The applicant with the lowest log-odds of 'good': a strongly declined application."""
    scores = pd.Series(german_boosting.decision_function(german.X), index=german.X.index)
    return int(scores.idxmin())


def test_declined_applicant_reasons_follow_the_contributions(
    explainer: ModelExplainer, german: Data, declined: int
) -> None:
    decision = explainer.decision(german.X, declined, adverse="bad")
    contributions = decision.contributions
    # "bad" is the negative class: the most negative contributions push toward it.
    expected = list(contributions[contributions < 0].sort_values().index[:4])
    assert len(expected) == 4
    assert [r.features for r in decision.reasons] == [(f,) for f in expected]
    assert [r.rank for r in decision.reasons] == [1, 2, 3, 4]
    for reason, feature in zip(decision.reasons, expected, strict=True):
        assert reason.contribution == contributions[feature]
        assert reason.direction == "adverse"
        assert reason.code == feature
        assert reason.statement == feature.replace("_", " ").capitalize()
        assert not reason.from_table
    assert decision.table.derived and decision.table.version.startswith("default-")


def test_at_most_n_reasons(explainer: ModelExplainer, german: Data, declined: int) -> None:
    assert len(explainer.decision(german.X, declined, adverse="bad", max_reasons=2).reasons) == 2
    assert len(explainer.decision(german.X, declined, adverse="bad").reasons) <= 4
    with pytest.raises(BadInput, match="at least 1"):
        explainer.decision(german.X, declined, adverse="bad", max_reasons=0)


def test_adverse_class_sets_the_direction(
    explainer: ModelExplainer, german: Data, declined: int
) -> None:
    # "good" named adverse: the applicant the model declines ("bad") is a favourable decision
    flipped = explainer.decision(german.X, declined, adverse="good")
    assert (flipped.outcome, flipped.favourable, flipped.is_favourable) == ("bad", "bad", True)
    assert flipped.reasons == () and flipped.factors
    assert all(r.contribution < 0 and r.direction == "favourable" for r in flipped.factors)
    # decided "good" instead, its reasons are the pushes toward "good"
    toward_good = explainer.decision(german.X, declined, adverse="good", outcome="good")
    assert toward_good.reasons and toward_good.factors == ()
    assert all(r.contribution > 0 for r in toward_good.reasons)
    with pytest.raises(BadInput, match="not one of the model's classes"):
        explainer.decision(german.X, declined, adverse="rejected")
    with pytest.raises(BadInput, match="outcome 'approved' is not one of the model's classes"):
        explainer.decision(german.X, declined, adverse="bad", outcome="approved")


def test_table_statements_and_groups(
    explainer: ModelExplainer, german: Data, declined: int
) -> None:
    table = load_reason_table(TABLE, features=list(german.X.columns))
    assert (table.model, table.version) == ("german-credit", "2026.1")
    decision = explainer.decision(german.X, declined, adverse="bad", table=table)
    contributions = decision.contributions
    values = decision.values
    # The expected ranking, computed here: groups summed, other features on their own.
    grouped = {f for members in GROUPS.values() for f in members}
    totals = {code: sum(contributions[f] for f in members) for code, members in GROUPS.items()}
    for feature in contributions.index:
        if feature not in grouped:
            code = table.resolve(feature, values[feature])[0]
            totals[code] = totals.get(code, 0.0) + contributions[feature]
    expected = sorted((c for c in totals if totals[c] < 0), key=lambda c: totals[c])[:4]
    assert [r.code for r in decision.reasons] == expected
    for reason in decision.reasons:
        assert reason.contribution == pytest.approx(totals[reason.code], abs=1e-12)
        if reason.code in GROUPS:
            assert reason.features == tuple(
                f for f in contributions.index if f in GROUPS[reason.code]
            )
    by_code = {r.code: r for r in decision.reasons}
    if "C01" in by_code:
        assert by_code["C01"].statement == "Checking account is overdrawn"
        assert by_code["C01"].from_table


def test_rules_match_categories_ranges_and_missing() -> None:
    overdrawn = ReasonRule("C01", "chk", "Overdrawn", categories=("... < 0 DM",))
    assert overdrawn.matches("... < 0 DM") and not overdrawn.matches("no checking account")
    assert not overdrawn.matches(None)
    long_term = ReasonRule("D01", "duration", "Too long", min=24)
    assert long_term.matches(24) and long_term.matches(48.0) and not long_term.matches(12)
    assert not long_term.matches(float("nan")) and not long_term.matches("n/a")
    band = ReasonRule("A01", "amount", "Mid", min=1000, max=5000)
    assert band.matches(1000) and not band.matches(5000)
    missing = ReasonRule("M01", "income", "No income recorded", missing=True)
    assert missing.matches(None) and missing.matches(float("nan")) and not missing.matches(10)


def test_select_returns_only_adverse_reasons() -> None:
    contributions = pd.Series({"a": 0.5, "b": -0.2, "c": 0.1})
    values = pd.Series({"a": 1, "b": 2, "c": 3})
    table = default_reason_table(list(contributions.index))
    reasons = select_reasons(contributions, values, table, adverse_sign=1.0, max_reasons=4)
    assert [r.code for r in reasons] == ["a", "c"]
    assert select_reasons(contributions * 0, values, table, adverse_sign=1.0) == ()
    factors = select_reasons(contributions, values, table, adverse_sign=1.0, toward="favourable")
    assert [(r.code, r.direction) for r in factors] == [("b", "favourable")]
    with pytest.raises(BadInput, match="toward"):
        select_reasons(contributions, values, table, adverse_sign=1.0, toward="up")  # type: ignore[arg-type]


def test_default_table_is_versioned_by_its_features() -> None:
    first = default_reason_table(["duration_in_month", "credit_amount"])
    again = default_reason_table(["duration_in_month", "credit_amount"])
    other = default_reason_table(["duration_in_month"])
    assert first.digest == again.digest != other.digest
    assert first.version == f"default-{first.digest[:12]}"
    assert first.resolve("credit_amount", 100)[1] == "Credit amount"


def test_table_for_another_model(german: Data) -> None:
    with pytest.raises(BadInput, match="features the model does not have: income"):
        table = parse_reason_table(
            b'model = "m"\nversion = "1"\n[[reason]]\ncode = "I"\nfeature = "income"\n'
            b'statement = "Income"\n'
        )
        table.check_features(list(german.X.columns))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('model = "m"\nversion = \n', "not valid TOML"),
        ('model = "m"\n[[reason]]\ncode="a"\nfeature="f"\nstatement="s"\n', "`version`"),
        ('version = "1"\n[[reason]]\ncode="a"\nfeature="f"\nstatement="s"\n', "`model`"),
        ('model = "m"\nversion = "1"\n', "has no"),
        (
            'model="m"\nversion="1"\n[[reason]]\ncode="a"\nfeature="f"\nstatement="s"\n'
            '[[reason]]\ncode="a"\nfeature="g"\nstatement="t"\n',
            "two different statements",
        ),
        (
            'model="m"\nversion="1"\n[[group]]\ncode="g"\nstatement="s"\nfeatures=["f"]\n'
            '[[reason]]\ncode="a"\nfeature="f"\nstatement="t"\n',
            "stated by its group",
        ),
        (
            'model="m"\nversion="1"\n[[reason]]\ncode="a"\nfeature="f"\nstatment="s"\n',
            "unknown keys statment",
        ),
        (
            'model="m"\nversion="1"\n[[reason]]\ncode="a"\nfeature="f"\nstatement="s"\n'
            "min = 5\nmax = 1\n",
            "must be below",
        ),
    ],
)
def test_malformed_tables_are_explained(text: str, message: str) -> None:
    with pytest.raises(BadInput, match=message) as caught:
        parse_reason_table(text.encode(), source="bank.toml")
    assert "bank.toml" in caught.value.message
    assert caught.value.hint and "docs/reason-codes.md" in caught.value.hint


def test_missing_table_file(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        load_reason_table(tmp_path / "absent.toml")


def test_table_digest_is_the_file_digest() -> None:
    import hashlib

    assert load_reason_table(TABLE).digest == hashlib.sha256(TABLE.read_bytes()).hexdigest()
