"""The native TreeSHAP of LightGBM and XGBoost adds up to their raw scores."""

from __future__ import annotations

from typing import Any

import numpy as np

from govern.explain import XGBOOST_TOLERANCE, explain
from tests.explain.conftest import ROWS, Data, assert_adds_up


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
