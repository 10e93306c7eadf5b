"""Closed-form SHAP for linear models: ``coef * (x - mean(background))``.

Exact for a linear model on independent features, and needs no shap; the background's mean is
the base point (docs/explain.md, "The method per model family").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from govern.errors import ExplainerUnsupported
from govern.explain.strategy import EncodedStrategy, OutputSpace, Subject, type_name

__all__ = ["LinearStrategy"]

_LOGISTIC = {"LogisticRegression", "LogisticRegressionCV"}
_LINEAR_CLASSIFIERS = _LOGISTIC | {
    "SGDClassifier",
    "RidgeClassifier",
    "RidgeClassifierCV",
    "Perceptron",
    "PassiveAggressiveClassifier",
    "LinearSVC",
}
_LINEAR_REGRESSORS = {
    "LinearRegression",
    "Ridge",
    "RidgeCV",
    "Lasso",
    "LassoCV",
    "ElasticNet",
    "ElasticNetCV",
    "Lars",
    "LarsCV",
    "LassoLars",
    "LassoLarsCV",
    "LassoLarsIC",
    "OrthogonalMatchingPursuit",
    "BayesianRidge",
    "ARDRegression",
    "HuberRegressor",
    "QuantileRegressor",
    "SGDRegressor",
    "LinearSVR",
    "TheilSenRegressor",
}


class LinearStrategy(EncodedStrategy):
    """phi_j = coef_j * (z_j - mean_j), base = intercept + coef . mean, on the encoded input."""

    method = "linear"
    title = "closed-form linear SHAP, coef * (x - background mean)"
    needs_background = True

    @classmethod
    def fits(cls, estimator: Any) -> bool:
        return type(estimator).__module__.startswith("sklearn.") and type_name(estimator) in (
            _LINEAR_CLASSIFIERS | _LINEAR_REGRESSORS
        )

    @classmethod
    def output_space(cls, subject: Subject) -> OutputSpace:
        est, name = subject.estimator, type_name(subject.estimator)
        if subject.kind == "regressor":
            return "raw"
        if name in _LOGISTIC or (name == "SGDClassifier" and est.loss == "log_loss"):
            return "log-odds"
        return "margin"

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
        assert background is not None
        est = subject.estimator
        coef = np.asarray(est.coef_, dtype=np.float64).reshape(-1)
        intercept = float(np.asarray(est.intercept_, dtype=np.float64).reshape(-1)[0])
        mean = self.encode(background).mean(axis=0)
        if coef.shape[0] != mean.shape[0]:
            raise ExplainerUnsupported(
                f"{type_name(est)} has {coef.shape[0]} coefficients but the "
                f"preprocessing gives {mean.shape[0]} columns"
            )
        self._coef, self._mean = coef, mean
        self._base = intercept + float(coef @ mean)
        self.settings["library"] = "govern (closed form)"

    def contributions(self, Z: np.ndarray, X: pd.DataFrame) -> tuple[np.ndarray, float]:
        return (Z - self._mean) * self._coef, self._base
