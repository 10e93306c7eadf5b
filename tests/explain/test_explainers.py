"""Explanations add up to the real model's output, per family; one-hot groups sum back exactly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from govern.errors import BadInput, ExplainerUnsupported, FidelityError, NotFound
from govern.explain import (
    DEFAULT_TOLERANCE,
    XGBOOST_TOLERANCE,
    Explanation,
    ModelExplainer,
    explain,
    explain_decision,
)
from tests.explain.conftest import TARGET, Data, one_hot_pipeline

ROWS = 120


def raw_output(model: Any, X: pd.DataFrame, space: str) -> np.ndarray:
    """The model's own output, computed here independently of govern."""
    if space == "probability":
        return np.asarray(model.predict_proba(X))[:, 1]
    return np.asarray(model.decision_function(X), dtype=np.float64)


def assert_adds_up(result: Explanation, expected: np.ndarray, tolerance: float) -> None:
    total = result.base_value + result.contributions.to_numpy().sum(axis=1)
    assert np.abs(total - expected).max() <= tolerance
    assert result.fidelity.passed
    assert result.fidelity.max_abs_error <= tolerance
    assert result.fidelity.max_abs_error == pytest.approx(np.abs(total - expected).max(), abs=1e-15)


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


def test_lightgbm_native_adds_up(lightgbm_model: Any, numeric: Data) -> None:
    X = numeric.X.iloc[:ROWS]
    result = explain(lightgbm_model, X)
    assert (result.method, result.output_space) == ("lightgbm", "log-odds")
    expected = lightgbm_model.predict(X, raw_score=True)
    assert_adds_up(result, expected, 1e-6)


def test_xgboost_native_adds_up_within_float32_tolerance(xgboost_model: Any, numeric: Data) -> None:
    X = numeric.X.iloc[:ROWS]
    result = explain(xgboost_model, X)
    assert (result.method, result.output_space) == ("xgboost", "log-odds")
    assert result.fidelity.tolerance == XGBOOST_TOLERANCE == 1e-4
    expected = xgboost_model.predict(X, output_margin=True).astype(np.float64)
    assert_adds_up(result, expected, XGBOOST_TOLERANCE)


def test_linear_closed_form_adds_up(logistic: LogisticRegression, numeric: Data) -> None:
    X = numeric.X.iloc[:ROWS]
    result = explain(logistic, X, background=numeric.X)
    assert (result.method, result.output_space) == ("linear", "log-odds")
    assert result.settings["background_rows"] == len(numeric.X)
    assert_adds_up(result, raw_output(logistic, X, "log-odds"), 1e-6)
    # coef * (x - background mean), computed here by hand
    by_hand = (X - numeric.X.mean()) * logistic.coef_[0]
    np.testing.assert_allclose(result.contributions.to_numpy(), by_hand.to_numpy(), atol=1e-12)


PIPELINES = [
    ("german", "german_logistic", "linear"),
    ("german", "german_boosting", "tree"),
    ("synthetic", "synthetic_logistic", "linear"),
    ("synthetic", "synthetic_boosting", "tree"),
]


@pytest.mark.parametrize(("data_name", "model_name", "method"), PIPELINES)
def test_pipeline_adds_up_on_original_features(
    request: pytest.FixtureRequest, data_name: str, model_name: str, method: str
) -> None:
    data: Data = request.getfixturevalue(data_name)
    model: Pipeline = request.getfixturevalue(model_name)
    X = data.X.iloc[:ROWS]
    result = explain(model, X, background=data.X)
    assert (result.method, result.output_space) == (method, "log-odds")
    assert result.settings["pipeline"] is True
    assert_adds_up(result, raw_output(model, X, "log-odds"), 1e-6)
    # Contributions are on the applicant's original features, one column each.
    assert list(result.contributions.columns) == list(data.X.columns)
    encoded = result.encoded_contributions
    assert encoded is not None and result.feature_of_column is not None
    assert encoded.shape[1] > X.shape[1]
    # Each one-hot group sums back exactly to its feature's contribution.
    owner = pd.Series(result.feature_of_column)
    categorical = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    for feature in X.columns:
        columns = list(owner.index[owner == feature])
        if feature in categorical:
            assert len(columns) > 1
        summed = encoded[columns].to_numpy().sum(axis=1)
        np.testing.assert_allclose(result.contributions[feature], summed, rtol=0, atol=1e-12)


def test_unwrapped_tree_pipeline_matches_shap_on_the_final_estimator(
    german_boosting: Pipeline, german: Data
) -> None:
    import shap

    X = german.X.iloc[:50]
    result = explain(german_boosting, X)
    Z = german_boosting[:-1].transform(X)
    Z = Z.toarray() if hasattr(Z, "toarray") else np.asarray(Z)
    direct = shap.TreeExplainer(german_boosting[-1]).shap_values(Z)
    assert result.encoded_contributions is not None
    np.testing.assert_allclose(result.encoded_contributions.to_numpy(), direct, atol=1e-12)


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


def test_model_without_probability_is_unsupported(numeric: Data) -> None:
    svc = SVC().fit(numeric.X.iloc[:200], numeric.y.iloc[:200])
    with pytest.raises(ExplainerUnsupported, match="no predict_proba") as caught:
        explain(svc, numeric.X.iloc[:5], background=numeric.X.iloc[:20])
    assert caught.value.exit_code == 21
    assert caught.value.hint and "probability=True" in caught.value.hint


def test_not_a_scoring_model_is_unsupported(numeric: Data) -> None:
    clusters = KMeans(n_clusters=2, n_init=1, random_state=0).fit(numeric.X)
    with pytest.raises(ExplainerUnsupported, match="neither a classifier nor a regressor"):
        explain(clusters, numeric.X.iloc[:5])


def test_multiclass_is_unsupported(numeric: Data) -> None:
    y = np.arange(len(numeric.X)) % 3
    model = GradientBoostingClassifier(n_estimators=5).fit(numeric.X, y)
    with pytest.raises(ExplainerUnsupported, match="3 classes"):
        explain(model, numeric.X.iloc[:5])


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


def test_linear_and_permutation_need_a_background(logistic: Any, numeric: Data) -> None:
    with pytest.raises(BadInput, match="needs a background") as caught:
        explain(logistic, numeric.X.iloc[:5])
    assert caught.value.hint and "background=" in caught.value.hint
    knn = KNeighborsClassifier().fit(numeric.X, numeric.y)
    with pytest.raises(BadInput, match="no exact method for KNeighborsClassifier"):
        explain(knn, numeric.X.iloc[:5])


def test_method_that_does_not_fit_the_model(gradient_boosting: Any, numeric: Data) -> None:
    with pytest.raises(ExplainerUnsupported, match="its exact method is 'tree'"):
        explain(gradient_boosting, numeric.X.iloc[:5], method="linear")


def test_unfitted_model(numeric: Data) -> None:
    with pytest.raises(BadInput, match="not fitted"):
        explain(one_hot_pipeline(numeric.X, LogisticRegression()), numeric.X.iloc[:5])


def test_data_the_model_cannot_score(gradient_boosting: Any, numeric: Data) -> None:
    broken = numeric.X.iloc[:5].astype(object)
    broken.iloc[0, 0] = "not a number"
    with pytest.raises(BadInput, match="cannot score the data"):
        explain(gradient_boosting, broken)


def test_nested_preprocessing_maps_back_to_features(german: Data) -> None:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    X = german.X.copy()
    X.loc[X.index[::7], "age_in_years"] = np.nan  # gives the imputer's indicator a column
    categorical = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    numeric = [c for c in X.columns if c not in categorical and c != "telephone"]
    categorical = [c for c in categorical if c != "telephone"]  # dropped by the remainder
    pre = ColumnTransformer(
        [
            (
                "cat",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="most_frequent")),
                        ("encode", OneHotEncoder(drop="first", min_frequency=30)),
                    ]
                ),
                categorical,
            ),
            (
                "num",
                Pipeline(
                    [("impute", SimpleImputer(add_indicator=True)), ("scale", StandardScaler())]
                ),
                numeric,
            ),
        ],
        remainder="drop",
    )
    model = Pipeline([("pre", pre), ("model", LogisticRegression(max_iter=2000))]).fit(X, german.y)
    result = explain(model, X.iloc[:100], background=X)
    assert result.method == "linear"
    assert_adds_up(result, raw_output(model, X.iloc[:100], "log-odds"), 1e-6)
    assert (result.contributions["telephone"] == 0).all()
    assert result.feature_of_column is not None
    owners = list(result.feature_of_column.values())
    assert owners.count("age_in_years") == 2  # the scaled value and its missing-indicator


def test_preprocessing_that_mixes_features_falls_back_to_permutation(numeric: Data) -> None:
    from sklearn.decomposition import PCA

    model = Pipeline(
        [("pca", PCA(n_components=3)), ("model", GradientBoostingClassifier(n_estimators=10))]
    )
    model.fit(numeric.X, numeric.y)
    result = explain(model, numeric.X.iloc[:2], background=numeric.X.iloc[:10])
    assert result.method == "permutation"
    assert "mixes original features" in str(result.settings["why"])
    assert_adds_up(result, raw_output(model, numeric.X.iloc[:2], "probability"), 1e-6)
    with pytest.raises(ExplainerUnsupported, match="mixes original features"):
        explain(model, numeric.X.iloc[:2], method="tree")


def test_an_unused_background_is_not_claimed(gradient_boosting: Any, numeric: Data) -> None:
    result = explain(gradient_boosting, numeric.X.iloc[:5], background=numeric.X)
    assert result.method == "tree"
    assert result.settings["background_rows"] is None
