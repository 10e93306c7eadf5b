"""Tests for govern.registry.fingerprint: what the ledger records about a model."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from sklearn.ensemble import (
    BaggingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from govern.errors import BadInput
from govern.registry.fingerprint import model_fingerprint
from tests.registry.fitted_models import LABELS, NUMERIC, credit_pipeline, double


def test_pipeline_fingerprint() -> None:
    model = credit_pipeline()
    print_ = model_fingerprint(model)
    assert print_["class"] == "sklearn.pipeline.Pipeline"
    assert print_["final_estimator"] == "sklearn.linear_model._logistic.LogisticRegression"
    assert print_["params"]["steps"] == [
        ["prep", "sklearn.compose._column_transformer.ColumnTransformer"],
        ["model", "sklearn.linear_model._logistic.LogisticRegression"],
    ]
    assert print_["classes"] == ["0", "1"]
    assert print_["n_features_in"] == 3
    assert print_["feature_names_in"] == ["age", "income", "purpose"]
    json.dumps(print_, allow_nan=False)


def test_fingerprint_params_are_json_safe(fitted: dict[str, Any]) -> None:
    xgb = model_fingerprint(fitted["xgboost"][0])
    assert xgb["class"] == "xgboost.sklearn.XGBClassifier"
    assert xgb["final_estimator"] == "xgboost.sklearn.XGBClassifier"
    assert xgb["params"]["missing"] == "NaN"
    json.dumps(xgb, allow_nan=False)

    transformer = FunctionTransformer(
        np.log1p,
        inverse_func=double,
        kw_args={"cap": float("inf"), "floor": -np.inf, "n": np.int64(3), "w": np.float32(0.5)},
    )
    params = model_fingerprint(transformer)["params"]
    assert params["func"] == "numpy.log1p"
    assert params["inverse_func"] == "tests.registry.fitted_models.double"
    assert params["kw_args"] == {"cap": "Infinity", "floor": "-Infinity", "n": 3, "w": 0.5}
    assert type(params["kw_args"]["n"]) is int
    json.dumps(params, allow_nan=False)


def test_fingerprint_of_nested_estimators_and_unfitted_models() -> None:
    bagging = BaggingClassifier(estimator=DecisionTreeClassifier(), n_estimators=3)
    print_ = model_fingerprint(bagging)
    assert print_["params"]["estimator"] == "sklearn.tree._classes.DecisionTreeClassifier"
    assert print_["classes"] is None and print_["n_features_in"] is None
    assert print_["feature_names_in"] is None
    inner = make_pipeline(StandardScaler(), RandomForestRegressor(n_estimators=2))
    outer = make_pipeline(StandardScaler(), inner)
    assert model_fingerprint(outer)["final_estimator"] == (
        "sklearn.ensemble._forest.RandomForestRegressor"
    )


def test_fingerprint_of_multi_output_and_regressors() -> None:
    targets = np.column_stack([LABELS, 1 - LABELS])
    forest = RandomForestClassifier(n_estimators=2, random_state=0).fit(NUMERIC, targets)
    assert model_fingerprint(forest)["classes"] == [["0", "1"], ["0", "1"]]
    regressor = HistGradientBoostingRegressor(max_iter=3).fit(NUMERIC, NUMERIC[:, 0])
    assert model_fingerprint(regressor)["classes"] is None
    assert model_fingerprint(regressor)["n_features_in"] == 2


def test_fingerprint_needs_get_params() -> None:
    with pytest.raises(BadInput, match="not a scikit-learn compatible estimator"):
        model_fingerprint(object())
