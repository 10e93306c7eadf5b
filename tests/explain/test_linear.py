"""The closed-form linear method: coef * (x - background mean), exactly."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from govern.explain import explain
from tests.explain.conftest import ROWS, Data, assert_adds_up, raw_output


def test_linear_closed_form_adds_up(logistic: LogisticRegression, numeric: Data) -> None:
    X = numeric.X.iloc[:ROWS]
    result = explain(logistic, X, background=numeric.X)
    assert (result.method, result.output_space) == ("linear", "log-odds")
    assert result.settings["background_rows"] == len(numeric.X)
    assert_adds_up(result, raw_output(logistic, X, "log-odds"), 1e-6)
    # coef * (x - background mean), computed here by hand
    by_hand = (X - numeric.X.mean()) * logistic.coef_[0]
    np.testing.assert_allclose(result.contributions.to_numpy(), by_hand.to_numpy(), atol=1e-12)
