"""The native TreeSHAP of LightGBM (``pred_contrib``) and XGBoost (``pred_contribs``).

Both explain the raw score (log-odds for a classifier) and are checked against the model's own
raw score; neither loads shap (docs/explain.md, "The method per model family").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from govern.explain.strategy import EncodedStrategy, OutputSpace, Subject, library_version

__all__ = ["XGBOOST_TOLERANCE", "LightGBMStrategy", "XGBoostStrategy"]

#: XGBoost computes contributions in float32 (errors of 5.7e-6 seen, docs/explain.md).
XGBOOST_TOLERANCE = 1e-4


class _NativeStrategy(EncodedStrategy):
    """A booster's own TreeSHAP, on the frame itself when there is no preprocessing."""

    @classmethod
    def output_space(cls, subject: Subject) -> OutputSpace:
        return "log-odds" if subject.kind == "classifier" else "raw"

    def encode(self, X: pd.DataFrame) -> np.ndarray:
        if self.subject.unwrapped.pre is None:
            return np.empty((len(X), 0))  # native paths take the frame itself
        return super().encode(X)

    def _source(self, Z: np.ndarray, X: pd.DataFrame) -> Any:
        return Z if self.subject.unwrapped.pre is not None else self.subject.model_input(X)


class LightGBMStrategy(_NativeStrategy):
    method = "lightgbm"
    title = "LightGBM native TreeSHAP (pred_contrib=True)"

    @classmethod
    def fits(cls, estimator: Any) -> bool:
        return type(estimator).__module__.startswith("lightgbm") and hasattr(estimator, "booster_")

    @classmethod
    def reference(cls, model_name: str, space: OutputSpace) -> str:
        return f"{model_name}.predict(raw_score=True)"

    def __init__(
        self,
        subject: Subject,
        space: OutputSpace,
        *,
        background: pd.DataFrame | None,
        max_evals: int | None,
        seed: int,
    ) -> None:
        super().__init__(subject, space, background=background, max_evals=max_evals, seed=seed)
        self.settings["feature_perturbation"] = "tree_path_dependent"
        self.settings["library"] = f"lightgbm {library_version('lightgbm')}"

    def score(self, X: pd.DataFrame) -> np.ndarray:
        Xm = self.subject.model_input(X)
        return np.asarray(self.subject.model.predict(Xm, raw_score=True), dtype=np.float64).reshape(
            -1
        )

    def contributions(self, Z: np.ndarray, X: pd.DataFrame) -> tuple[np.ndarray, float]:
        booster = self.subject.estimator.booster_
        out = np.asarray(booster.predict(self._source(Z, X), pred_contrib=True), dtype=np.float64)
        return out[:, :-1], float(out[0, -1])


class XGBoostStrategy(_NativeStrategy):
    method = "xgboost"
    title = "XGBoost native TreeSHAP (pred_contribs=True)"
    default_tolerance = XGBOOST_TOLERANCE

    @classmethod
    def fits(cls, estimator: Any) -> bool:
        return type(estimator).__module__.startswith("xgboost") and hasattr(
            estimator, "get_booster"
        )

    @classmethod
    def reference(cls, model_name: str, space: OutputSpace) -> str:
        return f"{model_name}.predict(output_margin=True)"

    def __init__(
        self,
        subject: Subject,
        space: OutputSpace,
        *,
        background: pd.DataFrame | None,
        max_evals: int | None,
        seed: int,
    ) -> None:
        super().__init__(subject, space, background=background, max_evals=max_evals, seed=seed)
        self.settings["feature_perturbation"] = "tree_path_dependent"
        self.settings["library"] = f"xgboost {library_version('xgboost')}"
        self.settings["float32"] = True

    def score(self, X: pd.DataFrame) -> np.ndarray:
        Xm = self.subject.model_input(X)
        return np.asarray(
            self.subject.model.predict(Xm, output_margin=True), dtype=np.float64
        ).reshape(-1)

    def contributions(self, Z: np.ndarray, X: pd.DataFrame) -> tuple[np.ndarray, float]:
        import xgboost

        source = self._source(Z, X)
        categorical = isinstance(source, pd.DataFrame) and any(
            isinstance(t, pd.CategoricalDtype) for t in source.dtypes
        )
        matrix = xgboost.DMatrix(source, enable_categorical=categorical)
        out = self.subject.estimator.get_booster().predict(matrix, pred_contribs=True)
        out = np.asarray(out, dtype=np.float64)
        return out[:, :-1], float(out[0, -1])
