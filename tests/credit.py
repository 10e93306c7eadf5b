"""The German credit data and a model of it, shared by the registry, CLI and later tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from govern.registry.codeversion import given

GERMAN = Path(__file__).resolve().parents[1] / "govern" / "data" / "germancredit.csv"
TARGET = "creditability"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
CODE = given(COMMIT, "https://git.example/bank/credit-model.git", "main")


def make_pipeline(frame: pd.DataFrame) -> Pipeline:
    X = frame.drop(columns=[TARGET])
    categorical = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    pre = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
            ("num", StandardScaler(), numeric),
        ]
    )
    return Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=1000))])
