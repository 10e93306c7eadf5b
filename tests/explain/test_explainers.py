"""Explaining a model and a decision: progress, fidelity, decisions, and what is refused."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline

from govern.errors import BadInput, ExplainerUnsupported, FidelityError, NotFound
from govern.explain import ModelExplainer, explain, explain_decision
from tests.explain.conftest import ROWS, TARGET, Data, one_hot_pipeline


def test_progress_reports_every_row_and_chunks_change_nothing(
    german_boosting: Pipeline, german: Data
) -> None:
    X = german.X.iloc[:250]
    seen: list[int] = []
    explainer = ModelExplainer(german_boosting, chunk_rows=100)
    chunked = explainer.explain(X, progress=seen.append)
    assert seen == [100, 100, 50]
    whole = explainer.explain(X)
    np.testing.assert_allclose(chunked.contributions, whole.contributions, rtol=0, atol=1e-14)


def test_fidelity_failure_is_loud_unless_reported(xgboost_model: Any, numeric: Data) -> None:
    # XGBoost's float32 sums cannot meet a float64 tolerance: a real failing check.
    X = numeric.X.iloc[:ROWS]
    with pytest.raises(FidelityError) as caught:
        explain(xgboost_model, X, tolerance=1e-12)
    assert "does not add up" in caught.value.message
    assert caught.value.exit_code == 22
    result = explain(xgboost_model, X, tolerance=1e-12, on_fidelity_failure="report")
    assert not result.fidelity.passed
    assert result.fidelity.max_abs_error > 1e-12


def test_explain_decision_returns_one_row(german_boosting: Pipeline, german: Data) -> None:
    decision = explain_decision(german_boosting, german.X, 5, adverse="bad")
    assert decision.row_id == 5
    assert decision.explanation.contributions.shape == (1, german.X.shape[1])
    assert decision.model_output == pytest.approx(
        german_boosting.decision_function(german.X.loc[[5]])[0]
    )
    assert decision.adverse == "bad"


# -- bad input ----------------------------------------------------------------------------------


def test_columns_not_matching_the_model(german_boosting: Pipeline, german: Data) -> None:
    with_target = german.X.assign(**{TARGET: "good"})
    with pytest.raises(BadInput, match="not used by the model 1: creditability"):
        explain(german_boosting, with_target)
    with pytest.raises(BadInput, match="missing 1: age_in_years"):
        explain(german_boosting, german.X.drop(columns=["age_in_years"]))
    # The same columns in another order are fine: they are reordered.
    shuffled = german.X.iloc[:10, ::-1]
    assert explain(german_boosting, shuffled).features == tuple(german.X.columns)


def test_unknown_row_id(german_boosting: Pipeline, german: Data) -> None:
    with pytest.raises(NotFound, match="row 99999 is not in the data"):
        explain_decision(german_boosting, german.X, 99999)
    with pytest.raises(NotFound):
        explain_decision(german_boosting, german.X, "applicant-7")


def test_empty_frame(german_boosting: Pipeline, german: Data) -> None:
    with pytest.raises(BadInput, match="no rows"):
        explain(german_boosting, german.X.iloc[:0])


def test_not_a_data_frame(gradient_boosting: Any, numeric: Data) -> None:
    with pytest.raises(BadInput, match="must be a pandas DataFrame"):
        explain(gradient_boosting, numeric.X.to_numpy())


def test_not_a_scoring_model_is_unsupported(numeric: Data) -> None:
    clusters = KMeans(n_clusters=2, n_init=1, random_state=0).fit(numeric.X)
    with pytest.raises(ExplainerUnsupported, match="neither a classifier nor a regressor"):
        explain(clusters, numeric.X.iloc[:5])


def test_multiclass_is_unsupported(numeric: Data) -> None:
    y = np.arange(len(numeric.X)) % 3
    model = GradientBoostingClassifier(n_estimators=5).fit(numeric.X, y)
    with pytest.raises(ExplainerUnsupported, match="3 classes"):
        explain(model, numeric.X.iloc[:5])


def test_linear_and_permutation_need_a_background(logistic: Any, numeric: Data) -> None:
    with pytest.raises(BadInput, match="needs a background") as caught:
        explain(logistic, numeric.X.iloc[:5])
    assert caught.value.hint and "background=" in caught.value.hint
    knn = KNeighborsClassifier().fit(numeric.X, numeric.y)
    with pytest.raises(BadInput, match="no exact method for KNeighborsClassifier"):
        explain(knn, numeric.X.iloc[:5])


def test_unfitted_model(numeric: Data) -> None:
    with pytest.raises(BadInput, match="not fitted"):
        explain(one_hot_pipeline(numeric.X, LogisticRegression()), numeric.X.iloc[:5])


def test_data_the_model_cannot_score(gradient_boosting: Any, numeric: Data) -> None:
    broken = numeric.X.iloc[:5].astype(object)
    broken.iloc[0, 0] = "not a number"
    with pytest.raises(BadInput, match="cannot score the data"):
        explain(gradient_boosting, broken)
