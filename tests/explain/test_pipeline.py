"""Pipelines are unwrapped: contributions on the original features, one-hot groups summed back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from govern.errors import ExplainerUnsupported
from govern.explain import explain
from tests.explain.conftest import ROWS, Data, assert_adds_up, raw_output

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
