"""Performance metrics of a model on held-out data (model card section 7, validation report).

Classification: the discrimination measures credit risk reports use (ROC AUC, Gini, KS), PR AUC,
the calibration measures (Brier score, log loss, a calibration table), metrics at the decision
threshold, and the curves and histograms the documents plot. Regression: errors and residuals.

Every result is JSON-safe (RFC 7493 I-JSON: no NaN or infinity, None where a measure is
undefined, such as ROC AUC with one class only) and deterministic: floats keep full precision,
so the same artifact on the same data gives the same numbers, bit for bit, to compare with the
ledger's record. ROC AUC, the ROC curve and average precision come from scikit-learn.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

from govern.errors import BadInput

__all__ = [
    "CALIBRATION_BINS",
    "HISTOGRAM_BINS",
    "LOG_LOSS_CLIP",
    "MAX_ROC_POINTS",
    "QUANTILES",
    "classification_metrics",
    "regression_metrics",
    "score_classifier",
]

CALIBRATION_BINS: Final = 10
HISTOGRAM_BINS: Final = 20
MAX_ROC_POINTS: Final = 101
# Probabilities are clipped to [LOG_LOSS_CLIP, 1 - LOG_LOSS_CLIP] for log loss, so a confident
# wrong score costs about 34.5 rather than infinity.
LOG_LOSS_CLIP: Final = 1e-15
QUANTILES: Final = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)

_MAX_SAFE_INT: Final = 2**53 - 1
# predict_proba may overshoot [0, 1] by rounding (averaged or calibrated models); beyond this it
# is not a probability.
_PROBA_SLACK: Final = 1e-9

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


def _num(x: Any) -> int | float | None:
    """A JSON-safe number: NaN and infinity become None; an int beyond 2**53 a float."""
    if x is None:
        return None
    if isinstance(x, int | np.integer):
        i = int(x)
        return i if -_MAX_SAFE_INT <= i <= _MAX_SAFE_INT else float(i)
    f = float(x)
    return f if math.isfinite(f) else None


def _floats(values: Any) -> list[int | float | None]:
    return [_num(v) for v in np.asarray(values).tolist()]


def _json_label(label: object) -> Any:
    """The positive label as JSON: str, bool and numbers as themselves, anything else as text."""
    if isinstance(label, bool | np.bool_):
        return bool(label)
    if isinstance(label, int | float | np.integer | np.floating):
        return _num(label)
    return str(label)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _real_array(values: Any, what: str) -> FloatArray:
    """A 1-d float64 array of finite values, or BadInput saying what is wrong with it."""
    try:
        arr = np.asarray(pd.Series(values).to_numpy(dtype="float64", na_value=np.nan))
    except (TypeError, ValueError) as exc:
        raise BadInput(f"the {what} must be numbers: {_one_line(exc)}") from exc
    if arr.ndim != 1:
        raise BadInput(f"the {what} must be one column of numbers")
    if arr.size == 0:
        raise BadInput(f"the {what} are empty; metrics need at least one row")
    bad = int((~np.isfinite(arr)).sum())
    if bad:
        raise BadInput(f"{bad} of the {what} are missing or infinite")
    return arr


def _outcomes(y_true: Any, positive_label: object) -> BoolArray:
    """True where the outcome is the positive label; BadInput unless the outcomes are binary."""
    try:
        y = pd.Series(y_true)
    except (TypeError, ValueError) as exc:
        raise BadInput(f"the outcomes must be one column: {_one_line(exc)}") from exc
    if len(y) == 0:
        raise BadInput("the outcomes must be one non-empty column")
    missing = int(y.isna().sum())
    if missing:
        raise BadInput(f"{missing} of the outcomes are missing")
    values = y.to_numpy(dtype=object)
    # Compared element by element as Python objects, so "good" matches a str or numpy str, and
    # 1 matches 1 and 1.0.
    is_pos = np.fromiter((v == positive_label for v in values), dtype=bool, count=len(values))
    classes = sorted(str(v) for v in pd.unique(values))
    if len(classes) > 2:
        raise BadInput(
            f"the outcomes have {len(classes)} classes; these metrics are for two "
            f"(the first few: {', '.join(classes[:5])})"
        )
    if not is_pos.any() and len(classes) == 2:
        # Two classes and neither is the positive one: a misspelt label, not a sample with no
        # positives, so refuse rather than report a model that never finds anything.
        raise BadInput(
            f"the positive label {positive_label!r} is not one of the outcomes "
            f"({', '.join(classes)})"
        )
    return is_pos


def _calibration(scores: FloatArray, pos: BoolArray) -> dict[str, Any]:
    """Ten quantile bins of score: edges, and per bin count, mean score, observed positive rate.

    `edges` are the lowest score, then the deciles 0.1 .. 1.0 taken as observed scores (inverted
    CDF) and deduplicated; bin i holds the scores in (edges[i], edges[i+1]], the first bin
    [edges[0], edges[1]] (the two are equal when a tenth of the scores share the lowest value).
    Every bin holds its upper edge, so none is empty; ties make fewer bins.
    """
    qs = [i / CALIBRATION_BINS for i in range(1, CALIBRATION_BINS + 1)]
    upper = np.unique(np.quantile(scores, qs, method="inverted_cdf"))
    # side="left": a score equal to an upper edge belongs to the bin that edge closes.
    idx = np.searchsorted(upper, scores, side="left")
    counts, mean_score, observed = [], [], []
    for i in range(len(upper)):
        in_bin = idx == i
        c = int(in_bin.sum())
        counts.append(c)
        mean_score.append(_num(scores[in_bin].mean()) if c else None)
        observed.append(_num(pos[in_bin].mean()) if c else None)
    return {
        "edges": [_num(scores.min()), *_floats(upper)],
        "count": counts,
        "mean_score": mean_score,
        "observed_rate": observed,
    }


def _roc_points(pos: BoolArray, scores: FloatArray) -> dict[str, Any]:
    """At most MAX_ROC_POINTS points of the ROC curve, evenly spaced along it, ends included.

    The first point (0, 0) has threshold None: sklearn's +infinity, above every score.
    """
    fpr, tpr, thr = roc_curve(pos, scores)
    if len(fpr) > MAX_ROC_POINTS:
        keep = np.unique(np.round(np.linspace(0, len(fpr) - 1, MAX_ROC_POINTS)).astype(np.int64))
        fpr, tpr, thr = fpr[keep], tpr[keep], thr[keep]
    return {"fpr": _floats(fpr), "tpr": _floats(tpr), "threshold": _floats(thr)}


def _ks(pos: BoolArray, scores: FloatArray) -> tuple[float, int | float | None]:
    """Kolmogorov-Smirnov statistic: the largest gap between the two classes' score CDFs.

    At each threshold t, tpr - fpr = F_neg(t-) - F_pos(t-); taking every distinct score as t
    covers every step of both CDFs, so the maximum of |tpr - fpr| is the supremum. Returns it
    and the score where it is first reached.
    """
    fpr, tpr, thr = roc_curve(pos, scores, drop_intermediate=False)
    gap = np.abs(tpr - fpr)
    at = int(np.argmax(gap))
    return float(gap[at]), _num(thr[at])


def classification_metrics(
    y_true: Any, scores: Any, *, threshold: float = 0.5, positive_label: object
) -> dict[str, Any]:
    """Discrimination, calibration and threshold metrics of scores for a binary outcome.

    `scores` are probabilities of `positive_label`, in [0, 1], matched to `y_true` by position
    (not by index); a row is predicted positive when its score >= `threshold`. Returns n,
    positives, negatives, positive_rate (observed), roc_auc, gini (2 AUC - 1), ks and ks_score,
    pr_auc (average precision), brier, log_loss (probabilities clipped to LOG_LOSS_CLIP), and at
    the threshold: accuracy, precision, recall, specificity, f1, predicted_positive_rate and the
    confusion counts; plus "calibration",
    "roc_curve" (at most 101 points) and "score_histogram" (20 bins on [0, 1] per class).
    Measures a sample cannot define are None: AUC, Gini, KS and the ROC curve need both classes,
    PR AUC and recall a positive, precision a predicted positive. BadInput for outcomes that are
    not binary, a positive label absent from two-class outcomes, or scores outside [0, 1].
    """
    t = float(threshold)
    if not 0.0 <= t <= 1.0:
        raise BadInput(f"the threshold must be between 0 and 1, not {threshold!r}")
    s = _real_array(scores, "scores")
    pos = _outcomes(y_true, positive_label)
    if len(pos) != len(s):
        raise BadInput(f"there are {len(pos)} outcomes but {len(s)} scores")
    outside = int(((s < 0.0) | (s > 1.0)).sum())
    if outside:
        raise BadInput(f"{outside} of the scores are outside [0, 1]; they must be probabilities")

    n = len(s)
    n_pos = int(pos.sum())
    n_neg = n - n_pos
    both = n_pos > 0 and n_neg > 0

    pred = s >= t
    tp = int((pred & pos).sum())
    fp = int((pred & ~pos).sum())
    fn = int((~pred & pos).sum())
    tn = n - tp - fp - fn

    auc = float(roc_auc_score(pos, s)) if both else None
    ks, ks_score = _ks(pos, s) if both else (None, None)
    p = np.clip(s, LOG_LOSS_CLIP, 1.0 - LOG_LOSS_CLIP)
    log_loss = -float(np.mean(np.log(np.where(pos, p, 1.0 - p))))
    hist_edges = np.linspace(0.0, 1.0, HISTOGRAM_BINS + 1)

    return {
        "n": n,
        "positives": n_pos,
        "negatives": n_neg,
        "positive_label": _json_label(positive_label),
        "positive_rate": n_pos / n,
        "threshold": t,
        "roc_auc": _num(auc),
        "gini": _num(2.0 * auc - 1.0) if auc is not None else None,
        "ks": _num(ks),
        "ks_score": ks_score,
        "pr_auc": _num(average_precision_score(pos, s)) if n_pos else None,
        "brier": _num(np.mean((s - pos) ** 2)),
        "log_loss": _num(log_loss),
        "accuracy": (tp + tn) / n,
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / n_pos if n_pos else None,
        "specificity": tn / n_neg if n_neg else None,
        # 2TP / (2TP + FP + FN): equal to 2PR / (P + R), and 0 (not undefined) when the model
        # finds none of the positives.
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None,
        "predicted_positive_rate": (tp + fp) / n,
        "confusion": {"tp": tp, "fp": fp, "tn": tn, "fn": fn},
        "calibration": _calibration(s, pos),
        "roc_curve": _roc_points(pos, s) if both else None,
        "score_histogram": {
            "edges": _floats(hist_edges),
            "positive": [int(c) for c in np.histogram(s[pos], bins=hist_edges)[0]],
            "negative": [int(c) for c in np.histogram(s[~pos], bins=hist_edges)[0]],
        },
    }


def regression_metrics(y_true: Any, y_pred: Any) -> dict[str, Any]:
    """Errors of predictions against outcomes: n, mae, rmse, r2, median_ae, mean_residual and
    residual_quantiles (at QUANTILES), residual = outcome - prediction.

    r2 is None when the outcomes do not vary. BadInput for lengths that differ or values that
    are missing, infinite or not numbers.
    """
    y = _real_array(y_true, "outcomes")
    f = _real_array(y_pred, "predictions")
    if len(y) != len(f):
        raise BadInput(f"there are {len(y)} outcomes but {len(f)} predictions")
    resid = y - f
    abs_err = np.abs(resid)
    ss_res = float(np.sum(resid**2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return {
        "n": len(y),
        "mae": _num(abs_err.mean()),
        "rmse": _num(math.sqrt(float(np.mean(resid**2)))),
        "r2": _num(1.0 - ss_res / ss_tot) if ss_tot > 0 else None,
        "median_ae": _num(np.median(abs_err)),
        "mean_residual": _num(resid.mean()),
        "residual_quantiles": {
            str(q): _num(v) for q, v in zip(QUANTILES, np.quantile(resid, QUANTILES), strict=True)
        },
    }


def score_classifier(
    model: Any, X: Any, y: Any, *, threshold: float, positive_label: object
) -> dict[str, Any]:
    """`classification_metrics` of a fitted binary classifier's probability of `positive_label`.

    The score is `model.predict_proba(X)[:, i]` with i the position of `positive_label` in
    `model.classes_`. BadInput if the model has no predict_proba, no classes_, more or fewer
    than two classes, classes without `positive_label`, or cannot score X (with its reason).
    """
    if not hasattr(model, "predict_proba"):
        raise BadInput(
            f"the model ({type(model).__name__}) gives no probabilities (it has no "
            "predict_proba), so its classification metrics cannot be computed",
            hint="register a classifier that estimates probabilities, or wrap it in "
            "sklearn.calibration.CalibratedClassifierCV",
        )
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise BadInput(
            f"the model ({type(model).__name__}) does not say which classes it predicts "
            "(it has no classes_); is it fitted?"
        )
    classes = list(classes)
    if len(classes) != 2:
        raise BadInput(f"the model predicts {len(classes)} classes; these metrics are for two")
    at = [i for i, c in enumerate(classes) if c == positive_label]
    if not at:
        raise BadInput(
            f"the positive label {positive_label!r} is not one of the model's classes "
            f"({', '.join(repr(c.item() if isinstance(c, np.generic) else c) for c in classes)})"
        )
    try:
        proba = np.asarray(model.predict_proba(X), dtype="float64")
    except (ValueError, KeyError, TypeError) as exc:
        raise BadInput(f"the model could not score the data: {_one_line(exc)}") from exc
    if proba.ndim != 2 or proba.shape[1] != 2:
        raise BadInput(f"the model's predict_proba gave an array of shape {proba.shape}")
    scores = proba[:, at[0]]
    if ((scores >= -_PROBA_SLACK) & (scores <= 1.0 + _PROBA_SLACK)).all():
        scores = np.clip(scores, 0.0, 1.0)
    return classification_metrics(y, scores, threshold=threshold, positive_label=positive_label)
