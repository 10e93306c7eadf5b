"""The permutation explainer: a stated background and budget, categorical columns, a score."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from govern.errors import ExplainerUnsupported
from govern.explain import explain
from tests.explain.conftest import Data, assert_adds_up, raw_output


def test_permutation_explainer_states_background_and_budget(numeric: Data) -> None:
    model = KNeighborsClassifier(n_neighbors=7).fit(numeric.X, numeric.y)
    background, X = numeric.X.iloc[:20], numeric.X.iloc[100:103]
    budget = 2 * X.shape[1] + 1
    first = explain(model, X, background=background, max_evals=2 * budget, seed=3)
    assert (first.method, first.output_space) == ("permutation", "probability")
    assert first.settings["background_rows"] == 20
    assert first.settings["max_evals"] == 2 * budget
    assert first.settings["permutations"] == 2
    assert first.settings["seed"] == 3
    assert_adds_up(first, raw_output(model, X, "probability"), 1e-6)
    again = explain(model, X, background=background, max_evals=2 * budget, seed=3)
    pd.testing.assert_frame_equal(first.contributions, again.contributions)


def test_permutation_handles_categorical_columns(
    synthetic_logistic: Pipeline, synthetic: Data
) -> None:
    X = synthetic.X.iloc[:3]
    result = explain(synthetic_logistic, X, background=synthetic.X.iloc[:15], method="permutation")
    assert (result.method, result.output_space) == ("permutation", "probability")
    assert_adds_up(result, raw_output(synthetic_logistic, X, "probability"), 1e-6)


def test_model_without_probability_is_unsupported(numeric: Data) -> None:
    svc = SVC().fit(numeric.X.iloc[:200], numeric.y.iloc[:200])
    with pytest.raises(ExplainerUnsupported, match="no predict_proba") as caught:
        explain(svc, numeric.X.iloc[:5], background=numeric.X.iloc[:20])
    assert caught.value.exit_code == 21
    assert caught.value.hint and "probability=True" in caught.value.hint
