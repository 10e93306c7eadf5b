"""Tests for govern.registry.metrics, checked against scikit-learn, SciPy and hand computation."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    log_loss,
    mean_absolute_error,
    median_absolute_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC

import govern
from govern.errors import BadInput
from govern.ledger.jcs import canonicalize
from govern.registry.metrics import (
    MAX_ROC_POINTS,
    classification_metrics,
    regression_metrics,
    score_classifier,
)
from govern.registry.profiles import profile
from govern.registry.tables import read_table

GERMAN = Path(govern.__file__).parent / "data" / "germancredit.csv"
TARGET = "creditability"


def assert_json_safe(value: Any) -> None:
    json.dumps(value, allow_nan=False)
    canonicalize(value)  # the ledger's canonical JSON: no NaN/inf, ints within 2**53


@pytest.fixture(scope="module")
def german() -> tuple[pd.DataFrame, pd.Series]:
    df = read_table(GERMAN)
    return df.drop(columns=TARGET), df[TARGET]


@pytest.fixture(scope="module")
def model(german: tuple[pd.DataFrame, pd.Series]) -> Pipeline:
    X, y = german
    features = profile(X)["features"]
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), features["categorical"]),
        (StandardScaler(), features["numeric"]),
    )
    return make_pipeline(encode, LogisticRegression(max_iter=1000)).fit(X, y)


@pytest.fixture(scope="module")
def scored(model: Pipeline, german: tuple[pd.DataFrame, pd.Series]) -> dict[str, Any]:
    X, y = german
    bad = list(model.classes_).index("bad")
    scores = model.predict_proba(X)[:, bad]
    return {"y": y, "scores": scores, "pos": (y == "bad").to_numpy().astype(int)}


# --- Classification --------------------------------------------------------------------------


def test_matches_scikit_learn(scored: dict[str, Any]) -> None:
    y, s, pos = scored["y"], scored["scores"], scored["pos"]
    m = classification_metrics(y, s, threshold=0.5, positive_label="bad")
    pred = (s >= 0.5).astype(int)
    assert m["n"] == 1000 and m["positives"] == 300 and m["negatives"] == 700
    assert m["positive_rate"] == 0.3
    assert m["roc_auc"] == roc_auc_score(pos, s)
    assert m["gini"] == 2 * roc_auc_score(pos, s) - 1
    assert m["pr_auc"] == average_precision_score(pos, s)
    assert m["brier"] == pytest.approx(brier_score_loss(pos, s), rel=1e-12)
    assert m["log_loss"] == pytest.approx(log_loss(pos, s), rel=1e-12)
    assert m["accuracy"] == pytest.approx(accuracy_score(pos, pred), rel=1e-15)
    assert m["precision"] == pytest.approx(precision_score(pos, pred), rel=1e-15)
    assert m["recall"] == pytest.approx(recall_score(pos, pred), rel=1e-15)
    assert m["f1"] == pytest.approx(f1_score(pos, pred), rel=1e-15)
    tn, fp, fn, tp = confusion_matrix(pos, pred).ravel()
    assert m["confusion"] == {"tp": tp, "fp": fp, "tn": tn, "fn": fn}
    assert m["specificity"] == tn / (tn + fp)
    assert m["predicted_positive_rate"] == (tp + fp) / 1000
    assert m["ks"] == pytest.approx(ks_2samp(s[pos == 1], s[pos == 0]).statistic, rel=1e-12)
    assert m["positive_label"] == "bad" and m["threshold"] == 0.5
    assert_json_safe(m)


def test_ks_by_hand() -> None:
    # Positives 0.9, 0.8, 0.4; negatives 0.7, 0.3, 0.2, 0.1. The class CDFs are furthest apart
    # just below 0.4: F_neg = 3/4 (0.1, 0.2, 0.3), F_pos = 0, so KS = 0.75, at threshold 0.4.
    y = [1, 1, 1, 0, 0, 0, 0]
    s = [0.9, 0.8, 0.4, 0.7, 0.3, 0.2, 0.1]
    m = classification_metrics(y, s, positive_label=1)
    assert m["ks"] == 0.75
    assert m["ks_score"] == 0.4
    assert ks_2samp([0.9, 0.8, 0.4], [0.7, 0.3, 0.2, 0.1]).statistic == 0.75
    # AUC: of 12 (positive, negative) pairs 11 are ordered right (0.4 < 0.7 is the exception).
    assert m["roc_auc"] == 11 / 12
    assert m["confusion"] == {"tp": 2, "fp": 1, "tn": 3, "fn": 1}


def test_recomputing_gives_identical_numbers(
    model: Pipeline, german: tuple[pd.DataFrame, pd.Series]
) -> None:
    X, y = german
    first = score_classifier(model, X, y, threshold=0.5, positive_label="bad")
    second = score_classifier(model, X.copy(), y.copy(), threshold=0.5, positive_label="bad")
    assert first == second
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_score_classifier_uses_the_positive_class_column(
    model: Pipeline, german: tuple[pd.DataFrame, pd.Series], scored: dict[str, Any]
) -> None:
    X, y = german
    bad = score_classifier(model, X, y, threshold=0.5, positive_label="bad")
    assert bad == classification_metrics(y, scored["scores"], threshold=0.5, positive_label="bad")
    good = score_classifier(model, X, y, threshold=0.5, positive_label="good")
    assert good["positives"] == 700
    assert good["roc_auc"] == pytest.approx(bad["roc_auc"], rel=1e-12)  # same ranking, mirrored
    assert good["positive_label"] == "good"


def test_calibration_table(scored: dict[str, Any]) -> None:
    s, pos = scored["scores"], scored["pos"]
    cal = classification_metrics(scored["y"], s, positive_label="bad")["calibration"]
    assert len(cal["edges"]) == 11 and cal["edges"] == sorted(cal["edges"])
    assert cal["edges"][0] == s.min() and cal["edges"][-1] == s.max()
    assert cal["count"] == [100] * 10  # 1,000 distinct scores: ten equal deciles
    top = s > cal["edges"][-2]
    assert cal["mean_score"][-1] == pytest.approx(s[top].mean(), rel=1e-12)
    assert cal["observed_rate"][-1] == pos[top].mean()
    # Few distinct scores: fewer bins, none of them empty.
    ties = classification_metrics(
        [1, 0, 1, 0, 0, 1], [0.2, 0.2, 0.2, 0.8, 0.8, 0.8], positive_label=1
    )
    assert ties["calibration"]["edges"] == [0.2, 0.2, 0.8]  # first bin [0.2, 0.2]
    assert ties["calibration"]["count"] == [3, 3]
    assert ties["calibration"]["observed_rate"] == [2 / 3, 1 / 3]


def test_roc_curve_is_downsampled_to_101_points() -> None:
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 5000)
    s = np.clip(rng.normal(0.4 + 0.2 * y, 0.15), 0, 1)
    roc = classification_metrics(y, s, positive_label=1)["roc_curve"]
    assert len(roc["fpr"]) == len(roc["tpr"]) == len(roc["threshold"]) == MAX_ROC_POINTS
    assert (roc["fpr"][0], roc["tpr"][0], roc["threshold"][0]) == (0.0, 0.0, None)
    assert (roc["fpr"][-1], roc["tpr"][-1]) == (1.0, 1.0)
    assert roc["fpr"] == sorted(roc["fpr"]) and roc["tpr"] == sorted(roc["tpr"])
    assert all(t is not None for t in roc["threshold"][1:])


def test_score_histograms_by_class() -> None:
    y = ["b", "g", "b", "g", "g"]
    s = [0.0, 0.05, 0.5, 0.999, 1.0]
    h = classification_metrics(y, s, positive_label="b")["score_histogram"]
    assert len(h["edges"]) == 21 and h["edges"][0] == 0.0 and h["edges"][-1] == 1.0
    assert sum(h["positive"]) == 2 and sum(h["negative"]) == 3
    assert h["positive"][0] == 1 and h["positive"][10] == 1
    assert h["negative"][1] == 1 and h["negative"][19] == 2  # 1.0 is in the last, closed bin


@pytest.mark.parametrize("only", [0, 1])
def test_one_class_only_gives_none_not_nan(only: int) -> None:
    m = classification_metrics([only] * 4, [0.1, 0.4, 0.6, 0.9], positive_label=1)
    assert_json_safe(m)
    for key in ("roc_auc", "gini", "ks", "ks_score", "roc_curve"):
        assert m[key] is None
    assert m["brier"] is not None and m["log_loss"] is not None and m["accuracy"] == 0.5
    if only == 0:
        assert m["recall"] is None and m["pr_auc"] is None and m["positive_rate"] == 0.0
    else:
        assert m["specificity"] is None and m["pr_auc"] == 1.0


def test_undefined_threshold_metrics_are_none() -> None:
    m = classification_metrics([1, 0, 1, 0], [0.1, 0.2, 0.3, 0.4], threshold=0.9, positive_label=1)
    assert m["precision"] is None  # nothing predicted positive
    assert m["recall"] == 0.0 and m["f1"] == 0.0
    assert_json_safe(m)


def test_log_loss_clips_certain_wrong_scores() -> None:
    m = classification_metrics([1, 0], [0.0, 1.0], positive_label=1)
    # Clipped to 1e-15 and to the double nearest 1 - 1e-15: finite, and exactly this.
    assert m["log_loss"] == (-math.log(1e-15) - math.log(1.0 - (1.0 - 1e-15))) / 2
    assert_json_safe(m)


@pytest.mark.parametrize(
    ("y", "scores", "kwargs", "message"),
    [
        (["good", "bad"], [0.2, 0.8], {"positive_label": "Bad"}, "'Bad' is not one of the"),
        ([1, 2, 3], [0.1, 0.2, 0.3], {"positive_label": 1}, "3 classes"),
        ([1, 0], [0.2, 1.2], {"positive_label": 1}, "outside \\[0, 1\\]"),
        ([1, 0], [0.2, float("nan")], {"positive_label": 1}, "missing or infinite"),
        ([1, 0, 1], [0.2, 0.3], {"positive_label": 1}, "3 outcomes but 2 scores"),
        ([1, None], [0.2, 0.3], {"positive_label": 1}, "outcomes are missing"),
        ([1, 0], ["a", "b"], {"positive_label": 1}, "must be numbers"),
        ([], [], {"positive_label": 1}, "empty"),
        ([1, 0], [0.2, 0.3], {"positive_label": 1, "threshold": 1.5}, "threshold"),
    ],
)
def test_classification_refusals(y: Any, scores: Any, kwargs: Any, message: str) -> None:
    with pytest.raises(BadInput, match=message) as err:
        classification_metrics(y, scores, **kwargs)
    assert err.value.exit_code == 3


# --- score_classifier refusals ---------------------------------------------------------------


def test_score_classifier_refusals(model: Pipeline, german: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = german
    with pytest.raises(BadInput, match="not one of the model's classes \\('bad', 'good'\\)"):
        score_classifier(model, X, y, threshold=0.5, positive_label="default")
    with pytest.raises(BadInput, match="could not score the data"):
        score_classifier(model, X.drop(columns="purpose"), y, threshold=0.5, positive_label="bad")
    numeric = X.select_dtypes("number")
    svc = LinearSVC().fit(numeric, y)
    with pytest.raises(BadInput, match="no predict_proba"):
        score_classifier(svc, numeric, y, threshold=0.5, positive_label="bad")
    with pytest.raises(BadInput, match="no classes_"):
        score_classifier(LogisticRegression(), numeric, y, threshold=0.5, positive_label="bad")
    with pytest.raises(BadInput, match="no predict_proba"):
        score_classifier(LinearRegression(), numeric, y, threshold=0.5, positive_label="bad")


# --- Regression ------------------------------------------------------------------------------


def test_regression_matches_scikit_learn() -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(100, 20, 500)
    f = y + rng.normal(2, 5, 500)
    m = regression_metrics(y, f)
    assert m["n"] == 500
    assert m["mae"] == pytest.approx(mean_absolute_error(y, f), rel=1e-12)
    assert m["rmse"] == pytest.approx(root_mean_squared_error(y, f), rel=1e-12)
    assert m["r2"] == pytest.approx(r2_score(y, f), rel=1e-12)
    assert m["median_ae"] == pytest.approx(median_absolute_error(y, f), rel=1e-12)
    assert m["mean_residual"] == pytest.approx(np.mean(y - f), rel=1e-12)
    assert m["residual_quantiles"]["0.5"] == np.quantile(y - f, 0.5)
    assert m["residual_quantiles"]["0.01"] < m["residual_quantiles"]["0.99"]
    assert regression_metrics(pd.Series(y), list(f)) == m
    assert_json_safe(m)


def test_regression_edge_cases() -> None:
    m = regression_metrics([5.0, 5.0, 5.0], [4.0, 5.0, 6.0])
    assert m["r2"] is None  # outcomes that do not vary
    assert m["mae"] == 2 / 3 and m["median_ae"] == 1.0
    assert_json_safe(m)
    with pytest.raises(BadInput, match="3 outcomes but 2 predictions"):
        regression_metrics([1, 2, 3], [1, 2])
    with pytest.raises(BadInput, match="missing or infinite"):
        regression_metrics([1, 2, float("inf")], [1, 2, 3])
