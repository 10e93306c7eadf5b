"""Tests for govern.registry.profiles: profiles, drift bins and PSI."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from govern.errors import BadInput
from govern.ledger.jcs import canonicalize
from govern.registry.profiles import bin_frame, profile, psi
from tests.registry.frames import TARGET, assert_json_safe, small

# --- Profile ---------------------------------------------------------------------------------


def test_german_profile_has_13_categorical_and_7_numeric_features(
    german: pd.DataFrame, german_profile: dict[str, Any]
) -> None:
    p = german_profile
    assert p["rows"] == 1000
    assert p["target"] == TARGET
    assert len(p["features"]["categorical"]) == 13
    assert len(p["features"]["numeric"]) == 7
    assert TARGET not in p["features"]["categorical"]
    assert set(p["features"]["numeric"]) == {
        "duration_in_month",
        "credit_amount",
        "installment_rate_in_percentage_of_disposable_income",
        "present_residence_since",
        "age_in_years",
        "number_of_existing_credits_at_this_bank",
        "number_of_people_being_liable_to_provide_maintenance_for",
    }
    assert [c["name"] for c in p["schema"]] == list(german.columns)
    kinds = {c["name"]: c["kind"] for c in p["schema"]}
    assert kinds["purpose"] == "categorical" and kinds["credit_amount"] == "numeric"
    assert kinds[TARGET] == "categorical"
    # Without a target every column is a feature.
    assert len(profile(german)["features"]["categorical"]) == 14


def test_german_profile_statistics(german: pd.DataFrame, german_profile: dict[str, Any]) -> None:
    amount = german_profile["columns"]["credit_amount"]
    assert (amount["min"], amount["max"]) == (250, 18424)
    assert type(amount["min"]) is int
    assert amount["mean"] == german["credit_amount"].mean()
    assert amount["std"] == pytest.approx(german["credit_amount"].std(), rel=1e-12)
    assert amount["quantiles"]["0.5"] == german["credit_amount"].median()
    assert amount["quantiles"]["0.95"] == pytest.approx(german["credit_amount"].quantile(0.95))
    assert amount["missing"] == 0 and amount["missing_share"] == 0.0

    purpose = german_profile["columns"]["purpose"]
    counts = german["purpose"].value_counts()
    assert purpose["distinct"] == german["purpose"].nunique()
    assert purpose["top"][0] == {
        "value": counts.index[0],
        "count": int(counts.iloc[0]),
        "share": counts.iloc[0] / 1000,
    }
    target = german_profile["columns"][TARGET]
    assert {t["value"]: t["count"] for t in target["top"]} == {"good": 700, "bad": 300}


def test_german_baseline_bins(german_profile: dict[str, Any]) -> None:
    for name, b in german_profile["bins"].items():
        total = sum(b["shares"]) + b["missing"] + b.get("other", 0.0)
        assert total == pytest.approx(1.0), name
    duration = german_profile["bins"]["duration_in_month"]
    assert duration["edges"] == sorted(set(duration["edges"]))
    assert len(duration["shares"]) == len(duration["edges"]) + 1  # open-ended at both ends
    assert "other" in german_profile["bins"]["purpose"]


def test_profile_is_json_safe_and_deterministic(
    german: pd.DataFrame, german_profile: dict[str, Any]
) -> None:
    assert_json_safe(german_profile)
    text = json.dumps(german_profile, allow_nan=False, sort_keys=True)
    again = profile(german.copy(), target=TARGET)
    assert again == german_profile
    assert json.dumps(again, allow_nan=False, sort_keys=True) == text
    canonicalize(german_profile)  # the ledger's canonical JSON accepts it as is


def test_profile_of_awkward_columns_is_json_safe() -> None:
    df = pd.DataFrame(
        {
            "with_nan_inf": [1.0, np.nan, np.inf, -np.inf, 2.0],
            "all_nan": [np.nan] * 5,
            "huge": [2**60, 2**60 + 1, 3, 4, 5],
            "nullable": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "flag": [True, False, True, True, False],
            "when": pd.to_datetime(["2024-01-01", None, "2024-01-03", "2024-01-01", "2024-01-05"]),
            "grade": pd.Categorical(["a", "b", None, "a", "a"]),
            "text": ["x", None, "y", "x", "x"],
            "one": [7.0, np.nan, np.nan, np.nan, np.nan],
        }
    )
    p = profile(df)
    assert_json_safe(p)
    json.dumps(p, allow_nan=False)
    canonicalize(p)
    cols = p["columns"]
    assert cols["with_nan_inf"]["infinite"] == 2
    assert cols["with_nan_inf"]["missing"] == 1
    assert (cols["with_nan_inf"]["min"], cols["with_nan_inf"]["max"]) == (1.0, 2.0)
    assert cols["all_nan"]["mean"] is None and cols["all_nan"]["missing_share"] == 1.0
    assert cols["huge"]["max"] == float(2**60 + 1)
    assert cols["one"]["std"] is None and cols["one"]["mean"] == 7.0
    assert cols["nullable"]["missing"] == 1 and cols["nullable"]["min"] == 1
    kinds = {c["name"]: c["kind"] for c in p["schema"]}
    assert kinds["flag"] == "categorical"  # bool counts as categorical
    assert kinds["when"] == "categorical" and kinds["grade"] == "categorical"
    assert kinds["nullable"] == "numeric"
    assert p["bins"]["with_nan_inf"]["shares"][0] >= 0.2  # -inf lands in the open first bin
    assert {t["value"] for t in cols["flag"]["top"]} == {"True", "False"}


def test_profile_of_an_empty_frame_has_no_shares() -> None:
    p = profile(small().iloc[0:0])
    assert p["rows"] == 0
    assert_json_safe(p)
    assert p["columns"]["amount"]["missing_share"] is None
    assert p["bins"]["grade"]["shares"] == [] and p["bins"]["grade"]["other"] is None
    with pytest.raises(BadInput, match="no rows"):
        psi(p["bins"]["amount"], p["bins"]["amount"])


def test_categories_beyond_the_top_20_go_to_other() -> None:
    # 27 categories: c00 seen 25 times down to c24 seen once, then two more seen once.
    values = [f"c{i:02d}" for i in range(25) for _ in range(25 - i)] + ["tie_b", "tie_a"]
    p = profile(pd.DataFrame({"c": [*values, None]}))
    stats, b = p["columns"]["c"], p["bins"]["c"]
    n = len(values) + 1
    assert stats["distinct"] == 27 and stats["missing"] == 1
    assert [t["value"] for t in stats["top"]] == [f"c{i:02d}" for i in range(20)]
    assert b["categories"] == [f"c{i:02d}" for i in range(20)]
    assert stats["other"] == 5 + 4 + 3 + 2 + 1 + 2
    assert b["other"] == stats["other"] / n
    assert b["missing"] == 1 / n
    # Equal counts are ordered by label, whatever the order of the rows.
    few = profile(pd.DataFrame({"c": ["b", "a", "c", "a", "b"]}))
    assert [t["value"] for t in few["columns"]["c"]["top"]] == ["a", "b", "c"]


def test_profile_refusals(german: pd.DataFrame) -> None:
    with pytest.raises(BadInput, match="target column 'default'"):
        profile(german, target="default")
    with pytest.raises(BadInput, match="at least 2 bins"):
        profile(german, bins=1)
    with pytest.raises(BadInput, match="not by text"):
        profile(pd.DataFrame({0: [1.0]}))


# --- PSI and bin_frame -----------------------------------------------------------------------


def test_psi_is_zero_for_the_same_data(
    german: pd.DataFrame, german_profile: dict[str, Any]
) -> None:
    current = bin_frame(german, german_profile)
    assert TARGET not in current  # the target is left out unless asked for
    assert set(current) == set(german_profile["bins"]) - {TARGET}
    for name, bins in current.items():
        assert bins == german_profile["bins"][name]
        assert psi(german_profile["bins"][name], bins) == 0.0


def test_psi_grows_with_shift(german: pd.DataFrame, german_profile: dict[str, Any]) -> None:
    base = german_profile["bins"]["credit_amount"]
    values = []
    for factor in (1.05, 1.3, 2.0, 4.0):
        shifted = german.assign(credit_amount=german["credit_amount"] * factor)
        values.append(psi(base, bin_frame(shifted, german_profile)["credit_amount"]))
    assert 0.0 < values[0] < values[1] < values[2] < values[3]
    # Categorical: more and more of the sample becomes one purpose.
    base_p = german_profile["bins"]["purpose"]
    cat_values = []
    for k in (50, 200, 500):
        shifted = german.copy()
        shifted.loc[: k - 1, "purpose"] = "business"
        cat_values.append(psi(base_p, bin_frame(shifted, german_profile)["purpose"]))
    assert 0.0 < cat_values[0] < cat_values[1] < cat_values[2]


def test_psi_by_hand() -> None:
    base = {"kind": "numeric", "edges": [0.0], "shares": [0.5, 0.5], "missing": 0.0}
    cur = {"kind": "numeric", "edges": [0.0], "shares": [0.25, 0.65], "missing": 0.1}
    expected = (
        (0.25 - 0.5) * math.log(0.25 / 0.5)
        + (0.65 - 0.5) * math.log(0.65 / 0.5)
        + (0.1 - 1e-4) * math.log(0.1 / 1e-4)  # an empty baseline bin counts as epsilon
    )
    assert psi(base, cur) == pytest.approx(expected, rel=1e-15)
    with pytest.raises(BadInput, match="not on the baseline's bins"):
        psi(base, {**cur, "edges": [1.0]})


def test_bin_frame_puts_values_in_the_baseline_bins() -> None:
    base = profile(pd.DataFrame({"x": [1, 2, 3, 4], "g": ["a", "a", "b", None]}))
    # Deciles taken as observed values: the edges are the values themselves.
    assert base["bins"]["x"]["edges"] == [1.0, 2.0, 3.0, 4.0]
    assert base["bins"]["x"]["shares"] == [0.25, 0.25, 0.25, 0.25, 0.0]
    current = pd.DataFrame({"x": [1.0, 2.5, 3.0, 99.0, np.nan], "g": ["a", "new", None, "b", "b"]})
    got = bin_frame(current, base)
    # Right-closed: 1.0 -> (-inf, 1], 2.5 and 3.0 -> (2, 3], 99 -> (4, inf); NaN -> missing.
    assert got["x"]["shares"] == [0.2, 0.0, 0.4, 0.0, 0.2]
    assert got["x"]["missing"] == 0.2
    assert got["g"] == {
        "kind": "categorical",
        "categories": ["a", "b"],
        "shares": [0.2, 0.4],
        "other": 0.2,
        "missing": 0.2,
    }
    assert bin_frame(current, base, columns=["g"]).keys() == {"g"}


def test_bin_frame_refusals(german: pd.DataFrame, german_profile: dict[str, Any]) -> None:
    with pytest.raises(BadInput, match="lacks the monitored column credit_amount"):
        bin_frame(german.drop(columns="credit_amount"), german_profile)
    with pytest.raises(BadInput, match="column credit_amount holds text, but its baseline"):
        bin_frame(german.assign(credit_amount=german["credit_amount"].astype(str)), german_profile)
    with pytest.raises(BadInput, match="no baseline for column income"):
        bin_frame(german, german_profile, columns=["income"])
