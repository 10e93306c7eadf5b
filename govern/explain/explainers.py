"""Explanations of one model and of one decision: the explainer, and what it returns.

`ModelExplainer` inspects the model, unwraps a Pipeline (`govern.explain.pipeline`), chooses the
fastest exact method for its family (`govern.explain.methods`) and prepares it once. Every
explanation is checked against the real model: base value + contributions must equal the model's
own output in the stated output space (shap's own check is too loose or absent), docs/explain.md,
"The fidelity check".
"""

from __future__ import annotations

import math
import time
import types
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from govern.errors import BadInput, ExplainerUnsupported, FidelityError, NotFound
from govern.explain.boosting import XGBOOST_TOLERANCE
from govern.explain.methods import METHOD_NAMES, choose
from govern.explain.pipeline import unwrap
from govern.explain.reasons import (
    REG_B_MAX_REASONS,
    Reason,
    ReasonTable,
    decision_statement,
    default_reason_table,
    format_value,
    select_reasons,
)
from govern.explain.strategy import (
    DEFAULT_TOLERANCE,
    Method,
    MethodChoice,
    OutputSpace,
    Setting,
    Strategy,
    Subject,
    type_name,
)

# The vocabulary of explanations (methods, spaces, tolerances) is defined beside the methods;
# this module is where govern.explain takes it from.
__all__ = [
    "DEFAULT_TOLERANCE",
    "XGBOOST_TOLERANCE",
    "DecisionExplanation",
    "Explanation",
    "Fidelity",
    "Method",
    "MethodChoice",
    "ModelExplainer",
    "OutputSpace",
    "Setting",
    "explain",
    "explain_decision",
]


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
    """One decision explained: its outcome, its one-row Explanation and its principal reasons.

    `reasons` are the adverse-action reasons (Reg B): for an adverse decision, the codes that
    pushed most toward `adverse`; a favourable decision has none, and `factors` lists instead
    its main factors (toward `favourable`). A regressor has no outcome: its reasons point toward
    `adverse` ("higher" or "lower"). `favourable_stated` is False when the favourable outcome
    was not stated at registration and is read as the positive label.
    """

    row_id: Hashable
    explanation: Explanation
    reasons: tuple[Reason, ...]
    adverse: str
    max_reasons: int
    table: ReasonTable
    outcome: str | None = None
    favourable: str | None = None
    factors: tuple[Reason, ...] = ()
    favourable_stated: bool = True

    @property
    def is_favourable(self) -> bool | None:
        """True for a favourable decision, False for an adverse one, None without an outcome."""
        if self.outcome is None or self.favourable is None:
            return None
        return self.outcome == self.favourable

    @property
    def statement(self) -> str:
        """The decision in one line (what every explanation states first)."""
        return decision_statement(self.outcome, self.favourable, stated=self.favourable_stated)

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
                "outcome": self.outcome,
                "favourable": self.favourable,
                "favourable_decision": self.is_favourable,
                "favourable_stated": self.favourable_stated,
                "statement": self.statement,
            },
            "explanation": expl.method_record(),
            "reasons": [r.to_dict() for r in self.reasons],
            "factors": [r.to_dict() for r in self.factors],
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
                    f"{type_name(model)} has {len(raw_classes)} classes; govern explains binary "
                    "classifiers and regressors only",
                    hint="explain one class against the rest with a binary model",
                )
            self._classes_raw = raw_classes
            self.classes = tuple(str(c) for c in raw_classes)
        self.feature_names: tuple[str, ...] | None = _feature_names(model)
        self.unwrapped = unwrap(model)
        self.estimator = self.unwrapped.final
        subject = Subject(model, self.unwrapped, self.kind, hasattr(model, "feature_names_in_"))
        self.background: pd.DataFrame | None = None
        if background is not None:
            self.background = self._frame(background, what="background")
        strategy, self.output_space, why = choose(subject, method)
        self.method: Method = strategy.method
        self.reference = strategy.reference(type_name(model), self.output_space)
        self.tolerance = tolerance if tolerance is not None else strategy.default_tolerance
        if not (self.tolerance >= 0 and math.isfinite(self.tolerance)):
            raise BadInput(f"tolerance must be a finite number >= 0 (got {tolerance})")
        if strategy.needs_background and self.background is None:
            raise BadInput(
                f"the {strategy.title} needs a background dataset for {type_name(model)}"
                + (f" ({why})" if why and why != "requested" else ""),
                hint="pass background= (the training data, or a registered sample of it); "
                "its digest belongs in the report",
            )
        self._default_table: ReasonTable | None = None
        self._settings: dict[str, Setting] = {
            "method": self.method,
            "method_name": strategy.title,
            "estimator": type_name(self.estimator),
            "pipeline": self.unwrapped.pre is not None,
            "reference": self.reference,
            # Only the methods that use a background say so; the tree paths ignore it.
            "background_rows": len(self.background)
            if self.background is not None and strategy.needs_background
            else None,
        }
        if why is not None:
            self._settings["why"] = why
        self.strategy: Strategy = strategy(
            subject,
            self.output_space,
            background=self.background,
            max_evals=max_evals,
            seed=seed,
        )
        self.max_evals = self.strategy.max_evals
        self._settings.update(self.strategy.settings)

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
        rows = self.strategy.explain_rows(X, progress, step)
        base, enc_frame = rows.base_value, rows.encoded
        frame = pd.DataFrame(rows.values, index=X.index, columns=list(X.columns))
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
            feature_of_column=rows.feature_of_column,
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
        outcome: Hashable | None = None,
        favourable_stated: bool = True,
    ) -> DecisionExplanation:
        """Explain one row of `data`: its outcome, and for an adverse decision its principal
        reasons (Reg B: at most four); a favourable decision gets its main factors instead.

        `adverse` is the class label of the adverse outcome (default: the positive class; the
        other class is the favourable one), or for a regressor "higher" (default) or "lower".
        `outcome` is the class the decision gave (default: the model's own `predict`); a
        regressor has none.
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
        decided, favourable = self._outcome(outcome, explanation.data, adverse_label)
        toward: Literal["adverse", "favourable"] = (
            "favourable" if decided is not None and decided == favourable else "adverse"
        )
        chosen = select_reasons(
            explanation.contributions.iloc[0],
            explanation.data.iloc[0],
            table,
            adverse_sign=sign,
            max_reasons=max_reasons,
            toward=toward,
        )
        return DecisionExplanation(
            row_id=row_id,
            explanation=explanation,
            reasons=chosen if toward == "adverse" else (),
            adverse=adverse_label,
            max_reasons=max_reasons,
            table=table,
            outcome=decided,
            favourable=favourable,
            factors=chosen if toward == "favourable" else (),
            favourable_stated=favourable_stated,
        )

    def _outcome(
        self, outcome: Hashable | None, X: pd.DataFrame, adverse: str
    ) -> tuple[str | None, str | None]:
        """The decision's class and the favourable class (the one that is not adverse)."""
        if self.kind == "regressor":
            if outcome is not None:
                raise BadInput(f"a regressor's prediction has no outcome class (got {outcome!r})")
            return None, None
        assert self.classes is not None
        favourable = next(c for c in self.classes if c != adverse)
        if outcome is None:
            try:
                outcome = np.asarray(self.model.predict(X)).tolist()[0]
            except (ValueError, TypeError, KeyError) as exc:
                raise BadInput(f"the model cannot decide the row: {exc}") from None
        for i, raw in enumerate(self._classes_raw):
            if outcome == raw or str(outcome) == self.classes[i]:
                return self.classes[i], favourable
        raise BadInput(
            f"the outcome {outcome!r} is not one of the model's classes ({', '.join(self.classes)})"
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

    # -- computation -----------------------------------------------------------------------------

    def _reference(self, X: pd.DataFrame) -> np.ndarray:
        try:
            return self.strategy.score(X)
        except (ValueError, TypeError, KeyError) as exc:
            raise BadInput(f"the model cannot score the data: {exc}") from None

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
    outcome: Hashable | None = None,
    background: pd.DataFrame | None = None,
    method: MethodChoice = "auto",
    tolerance: float | None = None,
    seed: int = 0,
) -> DecisionExplanation:
    """Explain one decision (a row of `data`): its outcome and, if adverse, its principal
    reasons (`ModelExplainer.decision`)."""
    explainer = ModelExplainer(
        model, background=background, method=method, tolerance=tolerance, seed=seed
    )
    return explainer.decision(
        data, row_id, table=table, max_reasons=max_reasons, adverse=adverse, outcome=outcome
    )


# -- model inspection ------------------------------------------------------------------------------


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _check_fitted(model: Any) -> None:
    if not hasattr(model, "predict"):
        raise ExplainerUnsupported(
            f"{type_name(model)} is not a model govern can explain: it has no predict method"
        )
    try:
        from sklearn.exceptions import NotFittedError
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(model)
    except NotFittedError:
        raise BadInput(
            f"the {type_name(model)} model is not fitted", hint="explain a trained model"
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
        f"{type_name(model)} is neither a classifier nor a regressor; govern explains models that "
        "score applicants (a probability, log-odds or a predicted value)"
    )


def _feature_names(model: Any) -> tuple[str, ...] | None:
    names = getattr(model, "feature_names_in_", None)
    return None if names is None else tuple(str(n) for n in names)
