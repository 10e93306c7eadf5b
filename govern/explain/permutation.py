"""shap's PermutationExplainer over a stated background, for any model with a score.

The fallback when a family has no exact method, or its Pipeline mixes features: it works on the
original features (categorical ones through a numeric code), uses the whole background and a
stated sample budget with a fixed seed (docs/explain.md, "The method per model family").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from govern.errors import BadInput, ExplainerUnsupported
from govern.explain.strategy import (
    Contributions,
    OutputSpace,
    Strategy,
    Subject,
    import_shap,
    library_version,
    type_name,
)

__all__ = ["PermutationStrategy"]


class PermutationStrategy(Strategy):
    """Antithetic permutations of the original features, masked by an independent background."""

    method = "permutation"
    title = "shap PermutationExplainer over an independent background"
    needs_background = True

    @classmethod
    def output_space(cls, subject: Subject) -> OutputSpace:
        if subject.kind == "regressor":
            return "raw"
        if not hasattr(subject.model, "predict_proba"):
            raise ExplainerUnsupported(
                f"{type_name(subject.estimator)} gives no probability (no predict_proba) and has "
                "no exact explainer in govern, so its output cannot be stated as a probability "
                "or log-odds",
                hint="refit it with probability=True (SVC), wrap it in CalibratedClassifierCV, "
                "or use a tree or linear model",
            )
        return "probability"

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
        shap = import_shap()
        assert background is not None
        p = len(background.columns)
        self.max_evals = max_evals or 10 * (2 * p + 1)
        if self.max_evals < 2 * p + 1:
            raise BadInput(
                f"max_evals must be at least 2 * features + 1 = {2 * p + 1} (got {self.max_evals})"
            )
        s = self.settings
        s["max_evals"] = self.max_evals
        s["permutations"] = self.max_evals // (2 * p + 1)
        s["seed"] = seed
        s["masker"] = "shap.maskers.Independent(background, max_samples=len(background))"
        s["library"] = f"shap {library_version('shap')}"
        self._shap = shap

    def explain_rows(
        self, X: pd.DataFrame, progress: Callable[[int], None] | None, step: int
    ) -> Contributions:
        background = self.background
        assert background is not None and self.max_evals is not None
        codec = _Codec(pd.concat([background, X], axis=0, ignore_index=True))
        bg = codec.encode(background)

        def f(matrix: np.ndarray) -> np.ndarray:
            return self.score(codec.decode(matrix))

        masker = self._shap.maskers.Independent(bg, max_samples=len(bg))  # trap 1
        explainer = self._shap.PermutationExplainer(f, masker, seed=self.seed)
        encoded = codec.encode(X)
        parts, bases = [], []
        for start in range(0, len(X), step):
            result = explainer(encoded[start : start + step], max_evals=self.max_evals, silent=True)
            parts.append(np.asarray(result.values, dtype=np.float64))
            bases.append(np.asarray(result.base_values, dtype=np.float64).reshape(-1))
            if progress is not None:
                progress(len(parts[-1]))
        return Contributions(np.concatenate(parts, axis=0), float(np.concatenate(bases)[0]))


class _Codec:
    """Numbers for the permutation masker: categorical columns become codes and back."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.columns = list(frame.columns)
        self.dtypes = frame.dtypes
        self.levels: dict[str, np.ndarray] = {}
        for c in self.columns:
            if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]):
                values = frame[c].dropna().unique()
                self.levels[c] = np.array(sorted(values, key=str), dtype=object)

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(frame), len(self.columns)), dtype=np.float64)
        for j, c in enumerate(self.columns):
            if c in self.levels:
                lookup = {v: i for i, v in enumerate(self.levels[c])}
                out[:, j] = [lookup.get(v, np.nan) for v in frame[c].to_numpy()]
            else:
                out[:, j] = frame[c].to_numpy(dtype=np.float64, na_value=np.nan)
        return out

    def decode(self, matrix: np.ndarray) -> pd.DataFrame:
        data: dict[str, Any] = {}
        for j, c in enumerate(self.columns):
            column = matrix[:, j]
            if c in self.levels:
                codes = np.where(np.isnan(column), -1, column).astype(np.int64)
                values = self.levels[c][np.maximum(codes, 0)].copy()
                values[codes < 0] = None
                data[c] = pd.Series(values, dtype=self.dtypes[c])
            else:
                data[c] = (
                    pd.Series(column).astype(self.dtypes[c])
                    if np.isfinite(column).all()
                    else column
                )
        return pd.DataFrame(data, columns=self.columns)
