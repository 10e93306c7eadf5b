"""Trained models for the explanation tests (session-scoped: training is the slow part), and the
check that an explanation adds up to the model's own output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from govern.demo import german_credit_path
from govern.explain import Explanation

TARGET = "creditability"
ROWS = 120


@dataclass(frozen=True)
class Data:
    X: pd.DataFrame
    y: pd.Series


def one_hot_pipeline(X: pd.DataFrame, estimator: Any) -> Pipeline:
    """OneHotEncoder on the non-numeric columns (pandas 3: the str dtype), scaler on the rest."""
    categorical = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    numeric = [c for c in X.columns if c not in categorical]
    pre = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
            ("num", StandardScaler(), numeric),
        ]
    )
    return Pipeline([("pre", pre), ("model", estimator)])


@pytest.fixture(scope="session")
def german() -> Data:
    frame = pd.read_csv(german_credit_path())
    y = frame.pop(TARGET)
    return Data(frame, y)


@pytest.fixture(scope="session")
def synthetic() -> Data:
    """500 rows: six numeric features and two categorical ones that carry signal."""
    X, y = make_classification(
        n_samples=500, n_features=6, n_informative=4, n_redundant=1, random_state=7
    )
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(6)])
    rng = np.random.default_rng(7)
    frame["region"] = np.where(
        y == 1,
        rng.choice(["north", "south", "east"], 500),
        rng.choice(["east", "west", "south"], 500),
    )
    frame["channel"] = rng.choice(["branch", "online"], 500)
    return Data(frame, pd.Series(y, name="default"))


@pytest.fixture(scope="session")
def numeric(synthetic: Data) -> Data:
    """The synthetic set's numeric columns only (for models without preprocessing)."""
    return Data(synthetic.X[[f"x{i}" for i in range(6)]], synthetic.y)


@pytest.fixture(scope="session")
def gradient_boosting(numeric: Data) -> GradientBoostingClassifier:
    return GradientBoostingClassifier(n_estimators=40, max_depth=3, random_state=0).fit(
        numeric.X, numeric.y
    )


@pytest.fixture(scope="session")
def random_forest(numeric: Data) -> RandomForestClassifier:
    return RandomForestClassifier(n_estimators=25, max_depth=6, random_state=0).fit(
        numeric.X, numeric.y
    )


@pytest.fixture(scope="session")
def hist_gradient_boosting(numeric: Data) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(max_iter=40, random_state=0).fit(numeric.X, numeric.y)


@pytest.fixture(scope="session")
def lightgbm_model(numeric: Data) -> Any:
    lightgbm = pytest.importorskip("lightgbm")
    return lightgbm.LGBMClassifier(n_estimators=40, verbose=-1, random_state=0).fit(
        numeric.X, numeric.y
    )


@pytest.fixture(scope="session")
def xgboost_model(numeric: Data) -> Any:
    xgboost = pytest.importorskip("xgboost")
    return xgboost.XGBClassifier(n_estimators=40, max_depth=3, random_state=0).fit(
        numeric.X, numeric.y
    )


@pytest.fixture(scope="session")
def logistic(numeric: Data) -> LogisticRegression:
    return LogisticRegression(max_iter=1000).fit(numeric.X, numeric.y)


@pytest.fixture(scope="session")
def german_logistic(german: Data) -> Pipeline:
    return one_hot_pipeline(german.X, LogisticRegression(max_iter=2000)).fit(german.X, german.y)


@pytest.fixture(scope="session")
def german_boosting(german: Data) -> Pipeline:
    model = GradientBoostingClassifier(n_estimators=60, max_depth=3, random_state=0)
    return one_hot_pipeline(german.X, model).fit(german.X, german.y)


@pytest.fixture(scope="session")
def synthetic_logistic(synthetic: Data) -> Pipeline:
    model = LogisticRegression(max_iter=1000)
    return one_hot_pipeline(synthetic.X, model).fit(synthetic.X, synthetic.y)


@pytest.fixture(scope="session")
def synthetic_boosting(synthetic: Data) -> Pipeline:
    model = GradientBoostingClassifier(n_estimators=40, random_state=0)
    return one_hot_pipeline(synthetic.X, model).fit(synthetic.X, synthetic.y)


@pytest.fixture(scope="session")
def hgb_categorical(synthetic: Data) -> tuple[HistGradientBoostingClassifier, pd.DataFrame]:
    """HistGradientBoosting on pandas category columns: the case shap gets wrong (trap 2)."""
    X = synthetic.X.astype({"region": "category", "channel": "category"})
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X, synthetic.y)
    return model, X


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
