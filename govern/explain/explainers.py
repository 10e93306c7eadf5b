"""SHAP explanations of one model: method per family, pipeline unwrapping, fidelity check.

The fastest exact method is chosen per family (measured in /work/shared/EXPLAIN.md):
TreeSHAP (tree_path_dependent, no background) for scikit-learn trees; the native TreeSHAP of
LightGBM (`pred_contrib`) and XGBoost (`pred_contribs`); closed-form linear SHAP for linear
models; a sampled permutation explainer over a stated background for anything else. A Pipeline
is unwrapped: the fitted preprocessing transforms the data, the final estimator is explained, and
the encoded columns of each original feature (a one-hot group) are summed back to it.

Every explanation is checked against the real model: base value + contributions must equal the
model's own output in the stated output space (shap's own check is too loose or absent, trap 3).
"""

from __future__ import annotations

import importlib.metadata
import math
import time
import types
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from govern.errors import BadInput, ExplainerUnsupported, FidelityError, NotFound
from govern.explain.reasons import (
    REG_B_MAX_REASONS,
    Reason,
    ReasonTable,
    default_reason_table,
    format_value,
    select_reasons,
)

OutputSpace = Literal["log-odds", "probability", "margin", "raw"]
Method = Literal["tree", "lightgbm", "xgboost", "linear", "permutation"]
MethodChoice = Literal["auto", "tree", "lightgbm", "xgboost", "linear", "permutation"]
Setting = str | int | float | bool | None

#: float64 paths add up to about 1e-14; the default tolerance leaves room for long sums.
DEFAULT_TOLERANCE = 1e-6
#: XGBoost computes contributions in float32 (errors of 5.7e-6 seen, EXPLAIN.md).
XGBOOST_TOLERANCE = 1e-4

METHOD_NAMES: Mapping[Method, str] = {
    "tree": "TreeSHAP (shap TreeExplainer, tree_path_dependent)",
    "lightgbm": "LightGBM native TreeSHAP (pred_contrib=True)",
    "xgboost": "XGBoost native TreeSHAP (pred_contribs=True)",
    "linear": "closed-form linear SHAP, coef * (x - background mean)",
    "permutation": "shap PermutationExplainer over an independent background",
}

_SKLEARN_TREES = {
    "RandomForestClassifier": "probability",
    "ExtraTreesClassifier": "probability",
    "DecisionTreeClassifier": "probability",
    "ExtraTreeClassifier": "probability",
    "GradientBoostingClassifier": "log-odds",
    "HistGradientBoostingClassifier": "log-odds",
    "RandomForestRegressor": "raw",
    "ExtraTreesRegressor": "raw",
    "DecisionTreeRegressor": "raw",
    "ExtraTreeRegressor": "raw",
    "GradientBoostingRegressor": "raw",
    "HistGradientBoostingRegressor": "raw",
}
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
# Transformers whose output column j depends on input column j alone.
_ELEMENTWISE = {
    "StandardScaler",
    "MinMaxScaler",
    "MaxAbsScaler",
    "RobustScaler",
    "QuantileTransformer",
    "PowerTransformer",
    "OrdinalEncoder",
    "TargetEncoder",
    "Binarizer",
    "FunctionTransformer",  # assumed element-wise (log, clip, ...) when it keeps the width
}


@dataclass(frozen=True)
class Fidelity:
    """How far base value + contributions are from the model's own output (largest row)."""

    max_abs_error: float
    tolerance: float
    passed: bool
    reference: str
    output_space: OutputSpace
    worst_row: str | None
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_abs_error": self.max_abs_error,
            "tolerance": self.tolerance,
            "passed": self.passed,
            "reference": self.reference,
            "output_space": self.output_space,
            "worst_row": self.worst_row,
            "rows": self.rows,
        }


@dataclass(frozen=True, eq=False)
class Explanation:
    """Contributions of each original feature for each row, and how they were obtained.

    For every row, `base_value + contributions.sum(axis=1)` equals `model_output` (the model's
    own output in `output_space`) within `fidelity.tolerance`. Classifiers are explained for
    `positive_class`, the second of `classes`, as scikit-learn's decision_function is.
    """

    contributions: pd.DataFrame
    base_value: float
    output_space: OutputSpace
    method: Method
    settings: Mapping[str, Setting]
    fidelity: Fidelity
    model_output: pd.Series
    data: pd.DataFrame
    classes: tuple[str, ...] | None
    positive_class: str | None
    encoded_contributions: pd.DataFrame | None = None
    feature_of_column: Mapping[str, str] | None = None
    seconds: float = field(default=0.0, compare=False)

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.contributions.columns)

    @property
    def method_name(self) -> str:
        return METHOD_NAMES[self.method]

    def mean_abs(self) -> pd.Series:
        """Mean |contribution| per feature, largest first (ties by name)."""
        values = self.contributions.abs().mean(axis=0)
        order = sorted(values.index, key=lambda f: (-float(values[f]), str(f)))
        return values[order]

    def method_record(self) -> dict[str, Any]:
        """How the contributions were obtained, as plain JSON-able data."""
        return {
            "method": self.method,
            "method_name": self.method_name,
            "output_space": self.output_space,
            "base_value": _finite(self.base_value),
            "classes": list(self.classes) if self.classes else None,
            "positive_class": self.positive_class,
            "settings": {k: self.settings[k] for k in sorted(self.settings)},
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary: method, fidelity and the global importance (not every row)."""
        return {
            "explanation": self.method_record(),
            "rows": len(self.contributions),
            "importance": [
                {"rank": i + 1, "feature": str(f), "mean_abs_contribution": _finite(v)}
                for i, (f, v) in enumerate(self.mean_abs().items())
            ],
            "fidelity": self.fidelity.to_dict(),
        }


@dataclass(frozen=True, eq=False)
class DecisionExplanation:
    """One decision explained: its one-row Explanation and its principal reasons (Reg B)."""

    row_id: Hashable
    explanation: Explanation
    reasons: tuple[Reason, ...]
    adverse: str
    max_reasons: int
    table: ReasonTable

    @property
    def contributions(self) -> pd.Series:
        return self.explanation.contributions.iloc[0]

    @property
    def values(self) -> pd.Series:
        return self.explanation.data.iloc[0]

    @property
    def base_value(self) -> float:
        return self.explanation.base_value

    @property
    def model_output(self) -> float:
        return float(self.explanation.model_output.iloc[0])

    def to_dict(self) -> dict[str, Any]:
        """The decision's explanation as JSON-able data (what a provenance record keeps)."""
        expl = self.explanation
        contributions, values = self.contributions, self.values
        order = sorted(contributions.index, key=lambda f: (-abs(float(contributions[f])), str(f)))
        output = self.model_output
        probability = None
        if expl.output_space == "log-odds":
            probability = _finite(1.0 / (1.0 + math.exp(-output))) if output > -700 else 0.0
        return {
            "decision": {
                "row_id": str(self.row_id),
                "model_output": _finite(output),
                "probability": probability,
                "base_value": _finite(expl.base_value),
                "output_space": expl.output_space,
                "positive_class": expl.positive_class,
                "adverse": self.adverse,
            },
            "explanation": expl.method_record(),
            "reasons": [r.to_dict() for r in self.reasons],
            "max_reasons": self.max_reasons,
            "reason_table": {
                "model": self.table.model,
                "version": self.table.version,
                "digest": self.table.digest,
                "source": self.table.source,
            },
            "contributions": [
                {
                    "feature": str(f),
                    "value": format_value(values[f]),
                    "contribution": _finite(float(contributions[f])),
                }
                for f in order
            ],
            "fidelity": expl.fidelity.to_dict(),
        }


@dataclass(frozen=True)
class _Unwrapped:
    """A model split into fitted preprocessing and the estimator that is explained."""

    pre: Any | None
    final: Any
    sources: tuple[int, ...] | None  # original feature index of each encoded column


class ModelExplainer:
    """A model prepared for explanation (method chosen, explainer built): reuse it to stay warm.

    `background` (original features) is required by the linear and permutation methods and is
    used whole (never silently subsampled, trap 1). `tolerance` defaults to 1e-6, or 1e-4 for
    XGBoost's float32 arithmetic. `on_fidelity_failure="report"` returns a failing explanation
    instead of raising FidelityError.
    """

    def __init__(
        self,
        model: Any,
        *,
        background: pd.DataFrame | None = None,
        method: MethodChoice = "auto",
        tolerance: float | None = None,
        on_fidelity_failure: Literal["raise", "report"] = "raise",
        max_evals: int | None = None,
        seed: int = 0,
        chunk_rows: int = 1000,
    ) -> None:
        if on_fidelity_failure not in ("raise", "report"):
            raise BadInput(
                f"on_fidelity_failure must be 'raise' or 'report', not {on_fidelity_failure!r}"
            )
        if chunk_rows < 1:
            raise BadInput(f"chunk_rows must be at least 1 (got {chunk_rows})")
        self.model = model
        self.on_fidelity_failure = on_fidelity_failure
        self.seed = seed
        self.chunk_rows = chunk_rows
        _check_fitted(model)
        self.kind: Literal["classifier", "regressor"] = _kind(model)
        self.classes: tuple[str, ...] | None = None
        self._classes_raw: tuple[Any, ...] = ()
        if self.kind == "classifier":
            raw_classes = tuple(np.asarray(model.classes_).tolist())
            if len(raw_classes) != 2:
                raise ExplainerUnsupported(
                    f"{_name(model)} has {len(raw_classes)} classes; govern explains binary "
                    "classifiers and regressors only",
                    hint="explain one class against the rest with a binary model",
                )
            self._classes_raw = raw_classes
            self.classes = tuple(str(c) for c in raw_classes)
        self.feature_names: tuple[str, ...] | None = _feature_names(model)
        self._named_input = hasattr(model, "feature_names_in_")
        self.unwrapped = _unwrap(model)
        self.estimator = self.unwrapped.final
        self.background: pd.DataFrame | None = None
        if background is not None:
            self.background = self._frame(background, what="background")
        self.method, self.output_space, why = _choose(self, method)
        self.reference = _reference_name(self)
        self.tolerance = (
            tolerance
            if tolerance is not None
            else (XGBOOST_TOLERANCE if self.method == "xgboost" else DEFAULT_TOLERANCE)
        )
        if not (self.tolerance >= 0 and math.isfinite(self.tolerance)):
            raise BadInput(f"tolerance must be a finite number >= 0 (got {tolerance})")
        if self.method in ("linear", "permutation") and self.background is None:
            raise BadInput(
                f"the {METHOD_NAMES[self.method]} needs a background dataset for {_name(model)}"
                + (f" ({why})" if why and why != "requested" else ""),
                hint="pass background= (the training data, or a registered sample of it); "
                "its digest belongs in the report",
            )
        self.max_evals = max_evals
        self._default_table: ReasonTable | None = None
        self._settings: dict[str, Setting] = {
            "method": self.method,
            "method_name": METHOD_NAMES[self.method],
            "estimator": _name(self.estimator),
            "pipeline": self.unwrapped.pre is not None,
            "reference": self.reference,
            # Only the linear and permutation methods use a background; the tree paths ignore it.
            "background_rows": len(self.background)
            if self.background is not None and self.method in ("linear", "permutation")
            else None,
        }
        if why is not None:
            self._settings["why"] = why
        self._prepare()

    # -- preparation ---------------------------------------------------------------------------

    def _prepare(self) -> None:
        s = self._settings
        if self.method == "tree":
            shap = _import_shap()
            # tree_path_dependent needs no background and is deterministic (EXPLAIN.md).
            self._tree = shap.TreeExplainer(
                self.estimator, feature_perturbation="tree_path_dependent"
            )
            s["feature_perturbation"] = "tree_path_dependent"
            s["library"] = f"shap {_version('shap')}"
        elif self.method == "lightgbm":
            s["feature_perturbation"] = "tree_path_dependent"
            s["library"] = f"lightgbm {_version('lightgbm')}"
        elif self.method == "xgboost":
            s["feature_perturbation"] = "tree_path_dependent"
            s["library"] = f"xgboost {_version('xgboost')}"
            s["float32"] = True
        elif self.method == "linear":
            assert self.background is not None
            coef = np.asarray(self.estimator.coef_, dtype=np.float64).reshape(-1)
            intercept = float(
                np.asarray(self.estimator.intercept_, dtype=np.float64).reshape(-1)[0]
            )
            mean = self._encode(self.background).mean(axis=0)
            if coef.shape[0] != mean.shape[0]:
                raise ExplainerUnsupported(
                    f"{_name(self.estimator)} has {coef.shape[0]} coefficients but the "
                    f"preprocessing gives {mean.shape[0]} columns"
                )
            self._coef, self._mean = coef, mean
            self._linear_base = intercept + float(coef @ mean)
            s["library"] = "govern (closed form)"
        else:
            shap = _import_shap()
            assert self.background is not None
            p = len(self.background.columns)
            self.max_evals = self.max_evals or 10 * (2 * p + 1)
            if self.max_evals < 2 * p + 1:
                raise BadInput(
                    f"max_evals must be at least 2 * features + 1 = {2 * p + 1} "
                    f"(got {self.max_evals})"
                )
            s["max_evals"] = self.max_evals
            s["permutations"] = self.max_evals // (2 * p + 1)
            s["seed"] = self.seed
            s["masker"] = "shap.maskers.Independent(background, max_samples=len(background))"
            s["library"] = f"shap {_version('shap')}"
            self._shap = shap

    # -- public --------------------------------------------------------------------------------

    @property
    def settings(self) -> Mapping[str, Setting]:
        return types.MappingProxyType(dict(self._settings))

    def explain(
        self, data: pd.DataFrame, *, progress: Callable[[int], None] | None = None
    ) -> Explanation:
        """Explain every row of `data` (original features); `progress(n)` after each n rows."""
        started = time.perf_counter()
        X = self._frame(data, what="data")
        reference = self._reference(X)
        step = len(X) if progress is None else self.chunk_rows
        if self.method == "permutation":
            encoded, base = self._permutation(X, progress, step)
            contributions = encoded
            enc_frame: pd.DataFrame | None = None
            column_map: Mapping[str, str] | None = None
        else:
            Z = self._encode(X)
            parts: list[np.ndarray] = []
            base = 0.0
            for start in range(0, len(X), step):
                part, base = self._contributions(
                    Z[start : start + step], X.iloc[start : start + step]
                )
                parts.append(part)
                if progress is not None:
                    progress(len(part))
            encoded = np.concatenate(parts, axis=0) if len(parts) > 1 else parts[0]
            contributions, enc_frame, column_map = self._to_features(encoded, X)
        frame = pd.DataFrame(contributions, index=X.index, columns=list(X.columns))
        fidelity = self._fidelity(frame, base, reference, X.index)
        settings = dict(self._settings)
        if enc_frame is not None:
            settings["encoded_columns"] = enc_frame.shape[1]
        explanation = Explanation(
            contributions=frame,
            base_value=base,
            output_space=self.output_space,
            method=self.method,
            settings=types.MappingProxyType(settings),
            fidelity=fidelity,
            model_output=pd.Series(reference, index=X.index, name="model_output"),
            data=X,
            classes=self.classes,
            positive_class=self.classes[1] if self.classes else None,
            encoded_contributions=enc_frame,
            feature_of_column=column_map,
            seconds=time.perf_counter() - started,
        )
        if not fidelity.passed and self.on_fidelity_failure == "raise":
            raise FidelityError(
                f"the explanation does not add up to the model's output: base value + "
                f"contributions differ from {fidelity.reference} by up to "
                f"{fidelity.max_abs_error:.3g} ({fidelity.output_space}) at row "
                f"{fidelity.worst_row}, above the tolerance {fidelity.tolerance:g}",
                hint="do not use these contributions or reason codes; report it to the model "
                "owner (explain with on_fidelity_failure='report' to inspect them)",
            )
        return explanation

    def decision(
        self,
        data: pd.DataFrame,
        row_id: Hashable,
        *,
        table: ReasonTable | None = None,
        max_reasons: int = REG_B_MAX_REASONS,
        adverse: Hashable | None = None,
    ) -> DecisionExplanation:
        """Explain one row of `data` and give its principal reasons (Reg B: at most four).

        `adverse` is the class label of the adverse outcome (default: the positive class), or
        for a regressor "higher" (default) or "lower".
        """
        if not isinstance(data, pd.DataFrame):
            raise BadInput("the data to explain must be a pandas DataFrame")
        if not data.index.is_unique:
            raise BadInput("the data's row ids (its index) are not unique")
        try:
            found = row_id in data.index
        except TypeError:
            found = False
        if not found:
            raise NotFound(
                f"row {row_id!r} is not in the data ({len(data)} rows)",
                hint="use a row id from the data's index",
            )
        sign, adverse_label = self.adverse_sign(adverse)
        explanation = self.explain(data.loc[[row_id]])
        if table is None:
            if self._default_table is None:
                self._default_table = default_reason_table(explanation.features)
            table = self._default_table
        reasons = select_reasons(
            explanation.contributions.iloc[0],
            explanation.data.iloc[0],
            table,
            adverse_sign=sign,
            max_reasons=max_reasons,
        )
        return DecisionExplanation(
            row_id=row_id,
            explanation=explanation,
            reasons=reasons,
            adverse=adverse_label,
            max_reasons=max_reasons,
            table=table,
        )

    def adverse_sign(self, adverse: Hashable | None) -> tuple[float, str]:
        """+1 if a higher model output means the adverse outcome, else -1; and its label."""
        if self.kind == "regressor":
            choice = "higher" if adverse is None else str(adverse)
            if choice not in ("higher", "lower"):
                raise BadInput(f"for a regressor, adverse is 'higher' or 'lower' (got {adverse!r})")
            return (1.0 if choice == "higher" else -1.0), choice
        assert self.classes is not None
        if adverse is None:
            return 1.0, self.classes[1]
        for i, raw in enumerate(self._classes_raw):
            if adverse == raw or str(adverse) == self.classes[i]:
                return (1.0 if i == 1 else -1.0), self.classes[i]
        raise BadInput(
            f"adverse outcome {adverse!r} is not one of the model's classes "
            f"({', '.join(self.classes)})"
        )

    # -- data ------------------------------------------------------------------------------------

    def _frame(self, data: pd.DataFrame, *, what: str) -> pd.DataFrame:
        if not isinstance(data, pd.DataFrame):
            raise BadInput(f"the {what} must be a pandas DataFrame (got {type(data).__name__})")
        if len(data) == 0:
            raise BadInput(f"the {what} has no rows: there is nothing to explain")
        columns = [str(c) for c in data.columns]
        if len(set(columns)) != len(columns):
            raise BadInput(f"the {what} has duplicate column names")
        if self.feature_names is None:
            n = int(getattr(self.model, "n_features_in_", len(columns)))
            if len(columns) != n:
                raise BadInput(f"the {what} has {len(columns)} columns; the model takes {n}")
            return data
        missing = [f for f in self.feature_names if f not in columns]
        extra = [c for c in columns if c not in self.feature_names]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {len(missing)}: {', '.join(missing)}")
            if extra:
                parts.append(f"not used by the model {len(extra)}: {', '.join(extra)}")
            raise BadInput(
                f"the {what}'s columns do not match the model's features ({'; '.join(parts)})",
                hint="pass exactly the columns the model was trained on",
            )
        return (
            data.loc[:, list(self.feature_names)] if columns != list(self.feature_names) else data
        )

    def _model_input(self, X: pd.DataFrame) -> Any:
        return X if self._named_input else X.to_numpy()

    def _encode(self, X: pd.DataFrame) -> np.ndarray:
        """The final estimator's input for X, as a dense float64 matrix."""
        if self.unwrapped.pre is None:
            if self.method in ("lightgbm", "xgboost"):
                return np.empty((len(X), 0))  # native paths take the frame itself
            return _dense(X)
        try:
            return _dense(self.unwrapped.pre.transform(self._model_input(X)))
        except (ValueError, TypeError) as exc:
            raise BadInput(f"the model's preprocessing cannot transform the data: {exc}") from None

    # -- computation -----------------------------------------------------------------------------

    def _contributions(self, Z: np.ndarray, X: pd.DataFrame) -> tuple[np.ndarray, float]:
        """Contributions per encoded column and the base value, in the stated output space."""
        if self.method == "tree":
            values = np.asarray(self._tree.shap_values(Z, check_additivity=False))
            expected = np.asarray(self._tree.expected_value, dtype=np.float64).reshape(-1)
            if values.ndim == 3:  # (rows, columns, classes): probability trees
                return values[:, :, -1].astype(np.float64), float(expected[-1])
            return values.astype(np.float64), float(expected[0])
        if self.method == "lightgbm":
            booster = self.estimator.booster_
            source = Z if self.unwrapped.pre is not None else self._model_input(X)
            out = np.asarray(booster.predict(source, pred_contrib=True), dtype=np.float64)
            return out[:, :-1], float(out[0, -1])
        if self.method == "xgboost":
            import xgboost

            source = Z if self.unwrapped.pre is not None else self._model_input(X)
            categorical = isinstance(source, pd.DataFrame) and any(
                isinstance(t, pd.CategoricalDtype) for t in source.dtypes
            )
            matrix = xgboost.DMatrix(source, enable_categorical=categorical)
            out = self.estimator.get_booster().predict(matrix, pred_contribs=True)
            out = np.asarray(out, dtype=np.float64)
            return out[:, :-1], float(out[0, -1])
        # linear: phi_j = coef_j * (z_j - mean_j), base = intercept + coef . mean
        return (Z - self._mean) * self._coef, self._linear_base

    def _score(self, X: pd.DataFrame) -> np.ndarray:
        """The real model's output in the explained output space (the fidelity reference)."""
        m, Xm = self.model, self._model_input(X)
        if self.method == "lightgbm":
            return np.asarray(m.predict(Xm, raw_score=True), dtype=np.float64).reshape(-1)
        if self.method == "xgboost":
            return np.asarray(m.predict(Xm, output_margin=True), dtype=np.float64).reshape(-1)
        if self.output_space == "probability":
            return np.asarray(m.predict_proba(Xm), dtype=np.float64)[:, 1]
        if self.output_space in ("log-odds", "margin"):
            return np.asarray(m.decision_function(Xm), dtype=np.float64).reshape(-1)
        return np.asarray(m.predict(Xm), dtype=np.float64).reshape(-1)

    def _reference(self, X: pd.DataFrame) -> np.ndarray:
        try:
            return self._score(X)
        except (ValueError, TypeError, KeyError) as exc:
            raise BadInput(f"the model cannot score the data: {exc}") from None

    def _permutation(
        self, X: pd.DataFrame, progress: Callable[[int], None] | None, step: int
    ) -> tuple[np.ndarray, float]:
        assert self.background is not None and self.max_evals is not None
        codec = _Codec(pd.concat([self.background, X], axis=0, ignore_index=True))
        bg = codec.encode(self.background)

        def f(matrix: np.ndarray) -> np.ndarray:
            return self._score(codec.decode(matrix))

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
        return np.concatenate(parts, axis=0), float(np.concatenate(bases)[0])

    def _to_features(
        self, encoded: np.ndarray, X: pd.DataFrame
    ) -> tuple[np.ndarray, pd.DataFrame | None, Mapping[str, str] | None]:
        """Sum each original feature's encoded columns (a one-hot group) into one contribution."""
        sources = self.unwrapped.sources
        if self.unwrapped.pre is None or sources is None:
            if encoded.shape[1] != X.shape[1]:
                raise ExplainerUnsupported(
                    f"the explainer returned {encoded.shape[1]} columns for {X.shape[1]} features"
                )
            return encoded, None, None
        if len(sources) != encoded.shape[1]:
            raise ExplainerUnsupported(
                f"the preprocessing gives {encoded.shape[1]} columns but govern mapped "
                f"{len(sources)} of them back to the original features",
                hint="explain with method='permutation' and a background",
            )
        names = _encoded_names(self.unwrapped.pre, len(sources))
        features = list(X.columns)
        out = np.zeros((encoded.shape[0], len(features)), dtype=np.float64)
        for j in range(len(features)):
            idx = [k for k, s in enumerate(sources) if s == j]
            if idx:
                out[:, j] = encoded[:, idx].sum(axis=1)
        column_map = {names[k]: str(features[s]) for k, s in enumerate(sources)}
        enc_frame = pd.DataFrame(encoded, index=X.index, columns=names)
        return out, enc_frame, types.MappingProxyType(column_map)

    def _fidelity(
        self, frame: pd.DataFrame, base: float, reference: np.ndarray, index: pd.Index
    ) -> Fidelity:
        total = base + frame.to_numpy().sum(axis=1)
        errors = np.abs(total - reference)
        if np.isnan(errors).any():
            worst = int(np.flatnonzero(np.isnan(errors))[0])
            max_error = math.inf
        else:
            worst = int(np.argmax(errors))
            max_error = float(errors[worst])
        return Fidelity(
            max_abs_error=max_error,
            tolerance=self.tolerance,
            passed=bool(max_error <= self.tolerance),
            reference=self.reference,
            output_space=self.output_space,
            worst_row=str(index[worst]),
            rows=len(index),
        )


def explain(
    model: Any,
    data: pd.DataFrame,
    *,
    background: pd.DataFrame | None = None,
    method: MethodChoice = "auto",
    tolerance: float | None = None,
    on_fidelity_failure: Literal["raise", "report"] = "raise",
    max_evals: int | None = None,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> Explanation:
    """Explain every row of `data` with the fastest exact method for `model`."""
    explainer = ModelExplainer(
        model,
        background=background,
        method=method,
        tolerance=tolerance,
        on_fidelity_failure=on_fidelity_failure,
        max_evals=max_evals,
        seed=seed,
    )
    return explainer.explain(data, progress=progress)


def explain_decision(
    model: Any,
    data: pd.DataFrame,
    row_id: Hashable,
    *,
    table: ReasonTable | None = None,
    max_reasons: int = REG_B_MAX_REASONS,
    adverse: Hashable | None = None,
    background: pd.DataFrame | None = None,
    method: MethodChoice = "auto",
    tolerance: float | None = None,
    seed: int = 0,
) -> DecisionExplanation:
    """Explain one decision (a row of `data`) and give its principal reasons."""
    explainer = ModelExplainer(
        model, background=background, method=method, tolerance=tolerance, seed=seed
    )
    return explainer.decision(data, row_id, table=table, max_reasons=max_reasons, adverse=adverse)


# -- model inspection ------------------------------------------------------------------------------


def _name(model: Any) -> str:
    return type(model).__name__


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _import_shap() -> Any:
    """shap, imported on first use (2.5 s cold), without its import-time deprecation noise."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        import shap
    return shap


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _check_fitted(model: Any) -> None:
    if not hasattr(model, "predict"):
        raise ExplainerUnsupported(
            f"{_name(model)} is not a model govern can explain: it has no predict method"
        )
    try:
        from sklearn.exceptions import NotFittedError
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(model)
    except NotFittedError:
        raise BadInput(
            f"the {_name(model)} model is not fitted", hint="explain a trained model"
        ) from None
    except TypeError:
        pass  # not a scikit-learn estimator: the methods below decide


def _kind(model: Any) -> Literal["classifier", "regressor"]:
    from sklearn.base import is_classifier, is_regressor

    if is_classifier(model) or (hasattr(model, "classes_") and hasattr(model, "predict_proba")):
        return "classifier"
    if is_regressor(model):
        return "regressor"
    raise ExplainerUnsupported(
        f"{_name(model)} is neither a classifier nor a regressor; govern explains models that "
        "score applicants (a probability, log-odds or a predicted value)"
    )


def _feature_names(model: Any) -> tuple[str, ...] | None:
    names = getattr(model, "feature_names_in_", None)
    return None if names is None else tuple(str(n) for n in names)


def _unwrap(model: Any) -> _Unwrapped:
    from sklearn.pipeline import Pipeline

    if not isinstance(model, Pipeline):
        return _Unwrapped(pre=None, final=model, sources=None)
    final = model.steps[-1][1]
    if final in (None, "passthrough"):
        raise ExplainerUnsupported("the Pipeline has no final estimator to explain")
    pre = model[:-1]
    width = getattr(final, "n_features_in_", None)
    sources = _pipeline_sources(
        pre,
        len(model.feature_names_in_)
        if hasattr(model, "feature_names_in_")
        else model.n_features_in_,
        width,
    )
    return _Unwrapped(pre=pre, final=final, sources=sources)


def _pipeline_sources(pipe: Any, n_in: int, n_out: int | None) -> tuple[int, ...] | None:
    """Original input index of each output column of a fitted Pipeline, or None if mixed."""
    mapping: list[int] | None = list(range(n_in))
    steps = [t for _, t in pipe.steps if t not in (None, "passthrough")]
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        width = n_out if last else getattr(steps[i + 1], "n_features_in_", None)
        assert mapping is not None
        local = _sources(step, len(mapping), width)
        if local is None:
            return None
        mapping = [mapping[k] for k in local]
    return tuple(mapping) if mapping is not None else None


def _sources(trans: Any, n_in: int, n_out: int | None) -> list[int] | None:
    """For each output column of a fitted transformer, the input column it comes from."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    name = _name(trans)
    if isinstance(trans, str):
        return list(range(n_in)) if trans == "passthrough" else []
    if isinstance(trans, Pipeline):
        sub = _pipeline_sources(trans, n_in, n_out)
        return None if sub is None else list(sub)
    if isinstance(trans, ColumnTransformer):
        return _column_transformer_sources(trans, n_in)
    if name == "OneHotEncoder":
        return _one_hot_sources(trans, n_out)
    if name == "SimpleImputer":
        kept = _imputer_kept(trans, n_in)
        if kept is None:
            return None
        indicator = getattr(trans, "indicator_", None)
        extra = [] if indicator is None else [int(i) for i in indicator.features_]
        result = kept + extra
        return result if n_out is None or len(result) == n_out else None
    if name == "KBinsDiscretizer":
        if trans.encode == "ordinal":
            return list(range(n_in))
        return [i for i, b in enumerate(trans.n_bins_) for _ in range(int(b))]
    if name in _ELEMENTWISE:
        width = n_out if n_out is not None else _width(trans)
        return list(range(n_in)) if width in (None, n_in) else None
    return None


def _width(trans: Any) -> int | None:
    try:
        return len(trans.get_feature_names_out())
    except Exception:  # a transformer without names: width unknown
        return None


def _imputer_kept(trans: Any, n_in: int) -> list[int] | None:
    if getattr(trans, "keep_empty_features", False):
        return list(range(n_in))
    stats = np.asarray(trans.statistics_)
    kept = []
    for i, value in enumerate(stats):
        if not (isinstance(value, float) and math.isnan(value)):
            kept.append(i)
    return kept


def _one_hot_sources(enc: Any, n_out: int | None) -> list[int] | None:
    counts = []
    infrequent = getattr(enc, "infrequent_categories_", None)
    drop = getattr(enc, "drop_idx_", None)
    for i, cats in enumerate(enc.categories_):
        n = len(cats)
        if infrequent is not None and infrequent[i] is not None:
            n -= len(infrequent[i]) - 1
        if drop is not None and drop[i] is not None:
            n -= 1
        counts.append(n)
    if n_out is not None and sum(counts) != n_out:
        private = getattr(enc, "_n_features_outs", None)
        if private is None or sum(private) != n_out:
            return None
        counts = list(private)
    return [i for i, c in enumerate(counts) for _ in range(c)]


def _column_transformer_sources(ct: Any, n_in: int) -> list[int] | None:
    names_in = [str(n) for n in getattr(ct, "feature_names_in_", [])]
    width = max((s.stop for s in ct.output_indices_.values()), default=0)
    out: list[int | None] = [None] * width
    for name, trans, columns in ct.transformers_:
        span = ct.output_indices_.get(name)
        if span is None or trans == "drop" or span.stop == span.start:
            continue
        cols = _column_indices(columns, names_in, n_in)
        local = _sources(trans, len(cols), span.stop - span.start)
        if local is None or len(local) != span.stop - span.start:
            return None
        for k, source in enumerate(local):
            out[span.start + k] = cols[source]
    if any(s is None for s in out):
        return None
    return [int(cast(int, s)) for s in out]


def _column_indices(columns: Any, names: Sequence[str], n_in: int) -> list[int]:
    if isinstance(columns, slice):
        return list(range(n_in))[columns]
    if isinstance(columns, (str, int)):
        columns = [columns]
    items = list(columns)
    if items and all(isinstance(c, (bool, np.bool_)) for c in items):
        return [i for i, keep in enumerate(items) if keep]
    return [names.index(str(c)) if isinstance(c, str) else int(c) for c in items]


def _encoded_names(pre: Any, width: int) -> list[str]:
    try:
        names = [str(n) for n in pre.get_feature_names_out()]
    except Exception:  # some transformers cannot name their output
        names = []
    if len(names) != width or len(set(names)) != width:
        names = [f"column_{k}" for k in range(width)]
    return names


def _dense(matrix: Any) -> np.ndarray:
    if hasattr(matrix, "toarray"):
        matrix = matrix.toarray()
    try:
        return np.asarray(matrix, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise BadInput(
            f"the data reaching the estimator is not numeric ({exc})",
            hint="non-numeric columns need an encoder in the model's Pipeline",
        ) from None


def _choose(ex: ModelExplainer, choice: MethodChoice) -> tuple[Method, OutputSpace, str | None]:
    """The method for the final estimator, and the output space it explains."""
    est, name = ex.estimator, _name(ex.estimator)
    module = type(est).__module__
    pipeline_ok = ex.unwrapped.pre is None or ex.unwrapped.sources is not None
    family: Method | None = None
    if name in _SKLEARN_TREES and module.startswith("sklearn."):
        family = "tree"
    elif module.startswith("lightgbm") and hasattr(est, "booster_"):
        family = "lightgbm"
    elif module.startswith("xgboost") and hasattr(est, "get_booster"):
        family = "xgboost"
    elif module.startswith("sklearn.") and name in (_LINEAR_CLASSIFIERS | _LINEAR_REGRESSORS):
        family = "linear"
    if choice == "permutation":
        return "permutation", _permutation_space(ex), "requested"
    if choice not in ("auto", "tree", "lightgbm", "xgboost", "linear"):
        raise BadInput(f"unknown explanation method {choice!r}")
    if choice != "auto" and choice != family:
        raise ExplainerUnsupported(
            f"method {choice!r} does not apply to {name}"
            + (f"; its exact method is {family!r}" if family else "")
        )
    if family == "tree" and name.startswith("HistGradientBoosting"):
        flags = getattr(est, "is_categorical_", None)
        if flags is not None and bool(np.any(flags)):
            # shap issue 3436: contributions miss the output by up to 8.76 log-odds, unflagged.
            raise ExplainerUnsupported(
                f"{name} with categorical features cannot be explained exactly: shap's "
                "TreeExplainer misreads its categorical splits and its contributions do not add "
                "up to the model's output (shap issue 3436)",
                hint="one-hot encode the categories in the Pipeline (OneHotEncoder), use "
                "LightGBM, or explain with method='permutation' and a background",
            )
    if family is None:
        return "permutation", _permutation_space(ex), f"no exact method for {name}"
    if not pipeline_ok:
        why = (
            "the Pipeline's preprocessing mixes original features, so its encoded columns "
            "cannot be summed back to them"
        )
        if choice != "auto":
            raise ExplainerUnsupported(
                f"method {choice!r} cannot be used: {why}",
                hint="explain with method='permutation' and a background",
            )
        return "permutation", _permutation_space(ex), why
    assert family is not None
    if family == "tree":
        space = cast(OutputSpace, _SKLEARN_TREES[name])
    elif family == "linear":
        if ex.kind == "regressor":
            space = "raw"
        elif name in _LOGISTIC or (name == "SGDClassifier" and est.loss == "log_loss"):
            space = "log-odds"
        else:
            space = "margin"
    else:
        space = "log-odds" if ex.kind == "classifier" else "raw"
    return family, space, None


def _permutation_space(ex: ModelExplainer) -> OutputSpace:
    if ex.kind == "regressor":
        return "raw"
    if not hasattr(ex.model, "predict_proba"):
        raise ExplainerUnsupported(
            f"{_name(ex.estimator)} gives no probability (no predict_proba) and has no exact "
            "explainer in govern, so its output cannot be stated as a probability or log-odds",
            hint="refit it with probability=True (SVC), wrap it in CalibratedClassifierCV, or "
            "use a tree or linear model",
        )
    return "probability"


def _reference_name(ex: ModelExplainer) -> str:
    name = _name(ex.model)
    if ex.method == "lightgbm":
        return f"{name}.predict(raw_score=True)"
    if ex.method == "xgboost":
        return f"{name}.predict(output_margin=True)"
    if ex.output_space == "probability":
        return f"{name}.predict_proba()[:, 1]"
    if ex.output_space in ("log-odds", "margin"):
        return f"{name}.decision_function()"
    return f"{name}.predict()"


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
