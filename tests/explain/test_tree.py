"""The tree method (shap TreeExplainer): scikit-learn trees add up in their own output space."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from govern.errors import ExplainerUnsupported
from govern.explain import DEFAULT_TOLERANCE, explain
from tests.explain.conftest import ROWS, Data, assert_adds_up, raw_output


def test_gradient_boosting_adds_up_in_log_odds(gradient_boosting: Any, numeric: Data) -> None:
    X = numeric.X.iloc[:ROWS]
    result = explain(gradient_boosting, X)
    assert (result.method, result.output_space) == ("tree", "log-odds")
    assert result.settings["feature_perturbation"] == "tree_path_dependent"
    assert result.settings["background_rows"] is None
    assert result.fidelity.tolerance == DEFAULT_TOLERANCE == 1e-6
    assert_adds_up(result, raw_output(gradient_boosting, X, "log-odds"), 1e-6)
    assert list(result.contributions.columns) == list(X.columns)
    assert result.contributions.index.equals(X.index)


def test_random_forest_adds_up_in_probability(random_forest: Any, numeric: Data) -> None:
    X = numeric.X.iloc[:ROWS]
    result = explain(random_forest, X)
    assert (result.method, result.output_space) == ("tree", "probability")
    assert "predict_proba" in result.fidelity.reference
    assert_adds_up(result, raw_output(random_forest, X, "probability"), 1e-6)


def test_hist_gradient_boosting_adds_up(hist_gradient_boosting: Any, numeric: Data) -> None:
    X = numeric.X.iloc[:ROWS]
    result = explain(hist_gradient_boosting, X)
    assert (result.method, result.output_space) == ("tree", "log-odds")
    assert_adds_up(result, raw_output(hist_gradient_boosting, X, "log-odds"), 1e-6)


def test_hist_gradient_boosting_with_categories_is_refused(
    hgb_categorical: tuple[Any, pd.DataFrame],
) -> None:
    model, X = hgb_categorical
    with pytest.raises(ExplainerUnsupported, match="categorical features") as caught:
        explain(model, X.iloc[:5])
    assert "3436" in caught.value.message
    assert caught.value.hint and "OneHotEncoder" in caught.value.hint
    # Asked for explicitly, the permutation explainer is exact on it (in probability).
    result = explain(model, X.iloc[:2], background=X.iloc[:10], method="permutation")
    assert_adds_up(result, model.predict_proba(X.iloc[:2])[:, 1], 1e-6)


def test_an_unused_background_is_not_claimed(gradient_boosting: Any, numeric: Data) -> None:
    result = explain(gradient_boosting, numeric.X.iloc[:5], background=numeric.X)
    assert result.method == "tree"
    assert result.settings["background_rows"] is None
