"""Small fitted models of every family the artifact store must keep, and two it must refuse.

Shared by the registry's model-file tests (store, allow-list, tree checks, fingerprints).
"""

from __future__ import annotations

from typing import Any

import lightgbm
import numpy as np
import pandas as pd
import xgboost
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    AdaBoostClassifier,
    BaggingClassifier,
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier


def credit_frame(n: int = 240, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n).astype(float),
            "income": rng.normal(50.0, 12.0, n),
            "purpose": rng.choice(["car", "house", "education"], n),
        }
    )
    signal = frame["age"] / 80 + (frame["purpose"] == "car") + rng.normal(0, 0.3, n)
    return frame, (signal > 1.0).astype(int).to_numpy()


FRAME, LABELS = credit_frame()
NUMERIC = FRAME[["age", "income"]].to_numpy()
# A third numeric column holding category codes, for HistGradientBoosting's categorical splits.
CODED = np.column_stack([NUMERIC, FRAME["purpose"].astype("category").cat.codes.to_numpy()])


def credit_pipeline() -> Pipeline:
    prep = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["purpose"]),
            ("num", StandardScaler(), ["age", "income"]),
        ]
    )
    return Pipeline([("prep", prep), ("model", LogisticRegression())]).fit(FRAME, LABELS)


def fit(name: str) -> tuple[Any, Any]:
    """A fitted model of the named family and the input it predicts on."""
    if name == "pipeline":
        return credit_pipeline(), FRAME
    models: dict[str, Any] = {
        "random_forest": RandomForestClassifier(n_estimators=8, random_state=0),
        "hist_gradient_boosting": HistGradientBoostingClassifier(max_iter=10, random_state=0),
        "gradient_boosting": GradientBoostingClassifier(n_estimators=10, random_state=0),
        "decision_tree": DecisionTreeClassifier(max_depth=4, random_state=0),
        "extra_trees": ExtraTreesClassifier(n_estimators=5, random_state=0),
        "bagging": BaggingClassifier(n_estimators=4, max_features=0.5, random_state=0),
        "adaboost": AdaBoostClassifier(n_estimators=5, random_state=0),
        "lightgbm": lightgbm.LGBMClassifier(n_estimators=10, n_jobs=1, verbose=-1),
        "xgboost": xgboost.XGBClassifier(n_estimators=10, n_jobs=1, max_depth=3),
    }
    if name == "hgb_pandas_categorical":
        frame = FRAME.astype({"purpose": "category"})
        model = HistGradientBoostingClassifier(max_iter=10, random_state=0)
        return model.fit(frame, LABELS), frame
    if name == "hgb_categorical":
        model = HistGradientBoostingClassifier(
            max_iter=10, categorical_features=[2], random_state=0
        )
        return model.fit(CODED, LABELS), CODED
    return models[name].fit(NUMERIC, LABELS), NUMERIC


FAMILIES = [
    "pipeline",
    "random_forest",
    "hist_gradient_boosting",
    "hgb_categorical",
    "hgb_pandas_categorical",
    "gradient_boosting",
    "decision_tree",
    "extra_trees",
    "bagging",
    "adaboost",
    "lightgbm",
    "xgboost",
]


def double(values: Any) -> Any:
    """A function from this test module: not on govern's allow-list."""
    return values * 2


class HomeMadeClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A classifier defined outside any trusted package."""

    def fit(self, X: Any, y: Any) -> HomeMadeClassifier:
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X: Any) -> Any:
        return np.full(len(X), self.classes_[0])
