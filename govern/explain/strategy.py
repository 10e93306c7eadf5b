"""What every explanation method provides, whatever the model family.

A `Strategy` is one SHAP method prepared for one model: it states its output space and settings,
gives the model's own output in that space (what the fidelity check compares against), and the
contributions of each row. The methods and the families they serve are in docs/explain.md,
"The method per model family".
"""

from __future__ import annotations

import importlib.metadata
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from govern.errors import BadInput
from govern.explain.pipeline import Unwrapped, dense, to_features

__all__ = [
    "DEFAULT_TOLERANCE",
    "Contributions",
    "EncodedStrategy",
    "Method",
    "MethodChoice",
    "OutputSpace",
    "Setting",
    "Strategy",
    "Subject",
    "import_shap",
    "library_version",
    "type_name",
]

OutputSpace = Literal["log-odds", "probability", "margin", "raw"]
Method = Literal["tree", "lightgbm", "xgboost", "linear", "permutation"]
MethodChoice = Literal["auto", "tree", "lightgbm", "xgboost", "linear", "permutation"]
Setting = str | int | float | bool | None

#: float64 paths add up to about 1e-14; the default tolerance leaves room for long sums.
DEFAULT_TOLERANCE = 1e-6


def type_name(model: Any) -> str:
    return type(model).__name__


def import_shap() -> Any:
    """shap, imported on first use (2.5 s cold), without its import-time deprecation noise."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        import shap
    return shap


def library_version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class Subject:
    """The model being explained: as the caller gave it, unwrapped, and what it scores."""

    model: Any
    unwrapped: Unwrapped
    kind: Literal["classifier", "regressor"]
    named_input: bool  # the model was fitted on a frame, so it takes one

    @property
    def estimator(self) -> Any:
        return self.unwrapped.final

    def model_input(self, X: pd.DataFrame) -> Any:
        return X if self.named_input else X.to_numpy()


@dataclass(frozen=True)
class Contributions:
    """Contributions per original feature for each row, and the base value they add to."""

    values: np.ndarray
    base_value: float
    encoded: pd.DataFrame | None = None  # per encoded column, for a Pipeline
    feature_of_column: Mapping[str, str] | None = None


class Strategy(ABC):
    """One SHAP method prepared for one model: build it once, explain many rows with it."""

    method: ClassVar[Method]
    title: ClassVar[str]  # what the method is, as reports name it
    needs_background: ClassVar[bool] = False
    default_tolerance: ClassVar[float] = DEFAULT_TOLERANCE

    def __init__(
        self,
        subject: Subject,
        space: OutputSpace,
        *,
        background: pd.DataFrame | None,
        max_evals: int | None,
        seed: int,
    ) -> None:
        self.subject = subject
        self.space = space
        self.background = background
        self.max_evals = max_evals
        self.seed = seed
        # What the method adds to the explanation's settings, in the order it adds them.
        self.settings: dict[str, Setting] = {}

    @classmethod
    def fits(cls, estimator: Any) -> bool:
        """Whether this is the exact method for ``estimator``'s family."""
        return False

    @classmethod
    def refuse_unsupported(cls, estimator: Any) -> None:
        """ExplainerUnsupported if the method is known to give wrong numbers for it."""
        return  # most methods refuse nothing their family holds

    @classmethod
    def output_space(cls, subject: Subject) -> OutputSpace:
        """The space the method explains ``subject`` in."""
        raise NotImplementedError

    @classmethod
    def reference(cls, model_name: str, space: OutputSpace) -> str:
        """How the model's own output in ``space`` is obtained, as the fidelity check names it."""
        if space == "probability":
            return f"{model_name}.predict_proba()[:, 1]"
        if space in ("log-odds", "margin"):
            return f"{model_name}.decision_function()"
        return f"{model_name}.predict()"

    def score(self, X: pd.DataFrame) -> np.ndarray:
        """The real model's output in the explained output space (the fidelity reference)."""
        m, Xm = self.subject.model, self.subject.model_input(X)
        if self.space == "probability":
            return np.asarray(m.predict_proba(Xm), dtype=np.float64)[:, 1]
        if self.space in ("log-odds", "margin"):
            return np.asarray(m.decision_function(Xm), dtype=np.float64).reshape(-1)
        return np.asarray(m.predict(Xm), dtype=np.float64).reshape(-1)

    @abstractmethod
    def explain_rows(
        self, X: pd.DataFrame, progress: Callable[[int], None] | None, step: int
    ) -> Contributions:
        """Contributions for every row of ``X``, ``step`` rows at a time; ``progress(n)`` after
        each ``n`` rows."""


class EncodedStrategy(Strategy):
    """A method that explains the final estimator on its encoded input; a Pipeline's one-hot
    groups are then summed back to the original features."""

    def encode(self, X: pd.DataFrame) -> np.ndarray:
        """The final estimator's input for X, as a dense float64 matrix."""
        pre = self.subject.unwrapped.pre
        if pre is None:
            return dense(X)
        try:
            return dense(pre.transform(self.subject.model_input(X)))
        except (ValueError, TypeError) as exc:
            raise BadInput(f"the model's preprocessing cannot transform the data: {exc}") from None

    @abstractmethod
    def contributions(self, Z: np.ndarray, X: pd.DataFrame) -> tuple[np.ndarray, float]:
        """Contributions per encoded column and the base value, in the stated output space."""

    def explain_rows(
        self, X: pd.DataFrame, progress: Callable[[int], None] | None, step: int
    ) -> Contributions:
        Z = self.encode(X)
        parts: list[np.ndarray] = []
        base = 0.0
        for start in range(0, len(X), step):
            part, base = self.contributions(Z[start : start + step], X.iloc[start : start + step])
            parts.append(part)
            if progress is not None:
                progress(len(part))
        encoded = np.concatenate(parts, axis=0) if len(parts) > 1 else parts[0]
        values, enc_frame, column_map = to_features(encoded, X, self.subject.unwrapped)
        return Contributions(values, base, enc_frame, column_map)
