"""Tests for govern.registry.datasets: reading, digests, Parquet bytes, profiles, PSI, schemas."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import govern
from govern.errors import BadInput, NotFound
from govern.ledger.jcs import canonicalize
from govern.registry.datasets import (
    Schema,
    bin_frame,
    dataset_digest,
    file_digest,
    folder_digest,
    frame_to_parquet_bytes,
    kind_of,
    manifest_bytes,
    profile,
    psi,
    read_table,
)

GERMAN = Path(govern.__file__).parent / "data" / "germancredit.csv"
TARGET = "creditability"


@pytest.fixture(scope="module")
def german() -> pd.DataFrame:
    return read_table(GERMAN)


@pytest.fixture(scope="module")
def german_profile(german: pd.DataFrame) -> dict[str, Any]:
    return profile(german, target=TARGET)


def small() -> pd.DataFrame:
    return pd.DataFrame({"amount": [1.5, 2.5, 3.5], "grade": ["a", "b", "a"], "n": [1, 2, 3]})


def assert_json_safe(value: Any, where: str = "$") -> None:
    """Only dict/list/str/int/float/bool/None; finite floats; ints within +-(2**53-1)."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert type(k) is str, f"{where}: key {k!r}"
            assert_json_safe(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            assert_json_safe(v, f"{where}[{i}]")
    elif isinstance(value, float):
        assert type(value) is float and math.isfinite(value), f"{where}: {value!r}"
    elif isinstance(value, bool) or value is None:
        assert type(value) is bool or value is None, where
    elif isinstance(value, int):
        assert type(value) is int and abs(value) <= 2**53 - 1, f"{where}: {value!r}"
    else:
        assert type(value) is str, f"{where}: {type(value).__name__} {value!r}"


# --- Reading ---------------------------------------------------------------------------------


def test_reads_the_german_credit_csv(german: pd.DataFrame) -> None:
    assert german.shape == (1000, 21)
    assert german["credit_amount"].dtype == np.int64
    assert kind_of(german["purpose"].dtype) == "categorical"
    assert set(german[TARGET]) == {"good", "bad"}


def test_reads_gzipped_csv_and_parquet_alike(tmp_path: Path) -> None:
    df = small()
    df.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "d.csv.gz").write_bytes(gzip.compress((tmp_path / "d.csv").read_bytes()))
    df.to_parquet(tmp_path / "d.parquet", index=False)
    df.to_parquet(tmp_path / "d.pq", index=False)
    for name in ("d.csv", "d.csv.gz", "d.parquet", "d.pq"):
        pd.testing.assert_frame_equal(read_table(tmp_path / name), df, check_dtype=False)


def test_reads_a_folder_in_sorted_relative_path_order(tmp_path: Path) -> None:
    folder = tmp_path / "ds"
    (folder / "sub").mkdir(parents=True)
    pd.DataFrame({"x": [2], "src": ["b"]}).to_csv(folder / "b.csv", index=False)
    pd.DataFrame({"x": [1], "src": ["a"]}).to_csv(folder / "a.csv", index=False)
    pd.DataFrame({"x": [3], "src": ["sub/c"]}).to_parquet(folder / "sub" / "c.parquet")
    # Hidden files are data too ("." sorts before letters); columns may come in another order.
    pd.DataFrame({"src": [".h"], "x": [0]}).to_csv(folder / ".h.csv", index=False)
    df = read_table(folder)
    assert list(df["src"]) == [".h", "a", "b", "sub/c"]
    assert list(df.columns) == ["src", "x"]
    assert list(df.index) == [0, 1, 2, 3]


def test_folder_files_must_share_columns(tmp_path: Path) -> None:
    pd.DataFrame({"x": [1], "y": [2]}).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame({"x": [1], "z": [2]}).to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(BadInput) as err:
        read_table(tmp_path)
    msg = str(err.value)
    assert "b.csv" in msg and "a.csv" in msg and "lacks y" in msg and "adds z" in msg


@pytest.mark.parametrize("name", ["notes.txt", "data.json", "data.xlsx", "data"])
def test_refuses_other_formats(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text('{"a": 1}\n')
    with pytest.raises(BadInput) as err:
        read_table(path)
    assert name in str(err.value)
    assert "a dataset must be CSV or Parquet" in str(err.value)
    assert err.value.exit_code == 3


def test_refuses_a_folder_holding_another_format(tmp_path: Path) -> None:
    small().to_csv(tmp_path / "a.csv", index=False)
    (tmp_path / "README.txt").write_text("about the data\n")
    with pytest.raises(BadInput, match=r"README\.txt.*a dataset must be CSV or Parquet"):
        read_table(tmp_path)


def test_refuses_an_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(BadInput, match=r"empty\.csv.*empty"):
        read_table(tmp_path / "empty.csv")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("blank.csv", b"\n\n", "No columns to parse"),
        ("ragged.csv", b"a,b\n1,2\n1,2,3\n", "Expected 2 fields"),
        ("fake.parquet", b"this is not parquet\n", "cannot read"),
        ("fake.csv.gz", b"a,b\n1,2\n", "cannot read"),
    ],
)
def test_unparseable_files_give_the_parsers_reason_on_one_line(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(BadInput) as err:
        read_table(tmp_path / name)
    msg = str(err.value)
    assert name in msg and reason in msg
    assert "\n" not in msg


def test_missing_paths_are_not_found(tmp_path: Path) -> None:
    for fn in (read_table, file_digest, folder_digest, dataset_digest):
        with pytest.raises(NotFound) as err:
            fn(tmp_path / "nope.csv")
        assert err.value.exit_code == 4
        assert "nope.csv" in str(err.value)


def test_refuses_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for fn in (read_table, folder_digest):
        with pytest.raises(BadInput, match="holds no files"):
            fn(tmp_path / "empty")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
@pytest.mark.parametrize("target_is_dir", [False, True])
def test_refuses_a_folder_with_a_symlink(tmp_path: Path, target_is_dir: bool) -> None:
    folder = tmp_path / "ds"
    folder.mkdir()
    small().to_csv(folder / "a.csv", index=False)
    outside = tmp_path / "outside"
    outside.mkdir()
    small().to_csv(outside / "b.csv", index=False)
    link = folder / ("more" if target_is_dir else "b.csv")
    link.symlink_to(outside if target_is_dir else outside / "b.csv")
    for fn in (read_table, folder_digest, dataset_digest):
        with pytest.raises(BadInput, match="symbolic link") as err:
            fn(folder)
        assert str(link) in str(err.value)


# --- Digests ---------------------------------------------------------------------------------


def test_file_digest_is_sha256_of_the_bytes_across_chunks(tmp_path: Path) -> None:
    data = bytes(range(256)) * 10_000 + b"tail"  # 2.4 MiB: three 1 MiB reads
    (tmp_path / "big.csv").write_bytes(data)
    assert file_digest(tmp_path / "big.csv") == hashlib.sha256(data).hexdigest()
    assert dataset_digest(tmp_path / "big.csv") == hashlib.sha256(data).hexdigest()
    assert file_digest(GERMAN) == hashlib.sha256(GERMAN.read_bytes()).hexdigest()


def make_folder(root: Path) -> Path:
    folder = root / "ds"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.csv").write_bytes(b"x\n2\n")
    (folder / "a.csv").write_bytes(b"x\n1\n")
    (folder / "sub" / "c.csv").write_bytes(b"x\n3\n")
    (folder / ".hidden").write_bytes(b"secret\n")
    return folder


def test_folder_digest_hashes_the_documented_manifest(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    digest, manifest = folder_digest(folder)

    def sha(b: bytes) -> str:
        return hashlib.sha256(b).hexdigest()

    hidden, a, b, c = sha(b"secret\n"), sha(b"x\n1\n"), sha(b"x\n2\n"), sha(b"x\n3\n")
    expected_text = f"{hidden}  .hidden\n{a}  a.csv\n{b}  b.csv\n{c}  sub/c.csv\n".encode()
    assert digest == sha(expected_text)
    assert manifest_bytes(manifest) == expected_text
    assert manifest == [
        {"path": ".hidden", "sha256": hidden, "size": 7},
        {"path": "a.csv", "sha256": a, "size": 4},
        {"path": "b.csv", "sha256": b, "size": 4},
        {"path": "sub/c.csv", "sha256": c, "size": 4},
    ]
    assert dataset_digest(folder) == digest
    assert_json_safe(manifest)


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils sha256sum")
def test_folder_manifest_is_what_sha256sum_prints(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    _, manifest = folder_digest(folder)
    paths = [m["path"] for m in manifest]
    out = subprocess.run(
        ["sha256sum", "--", *paths], cwd=folder, capture_output=True, check=True
    ).stdout
    assert out == manifest_bytes(manifest)


def test_folder_digest_changes_with_any_file_and_only_with_files(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    base = dataset_digest(folder)
    (folder / "empty-subfolder").mkdir()
    assert dataset_digest(folder) == base  # folders are not listed, as documented
    (folder / ".hidden").write_bytes(b"secret!\n")
    changed = dataset_digest(folder)
    assert changed != base
    (folder / "b.csv").rename(folder / "b2.csv")
    assert dataset_digest(folder) not in (base, changed)


def test_digest_of_the_wrong_kind_of_path_is_refused(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    with pytest.raises(BadInput, match="is a folder, not a file") as err:
        file_digest(folder)
    assert err.value.hint is not None and "folder_digest" in err.value.hint
    with pytest.raises(BadInput, match="is a file, not a folder") as err:
        folder_digest(folder / "a.csv")
    assert err.value.hint is not None and "file_digest" in err.value.hint


# --- Parquet bytes ---------------------------------------------------------------------------


def test_parquet_bytes_are_deterministic(german: pd.DataFrame) -> None:
    first = frame_to_parquet_bytes(german)
    assert frame_to_parquet_bytes(german) == first
    same = german.copy(deep=True)
    same.attrs = {"created": pd.Timestamp.now().isoformat()}  # attrs never reach the bytes
    assert frame_to_parquet_bytes(same) == first
    changed = german.copy()
    changed.loc[0, "credit_amount"] += 1
    assert frame_to_parquet_bytes(changed) != first


def test_parquet_bytes_are_the_same_in_another_process(german: pd.DataFrame) -> None:
    code = (
        "import hashlib, pathlib, sys\n"
        "from govern.registry.datasets import frame_to_parquet_bytes, read_table\n"
        "b = frame_to_parquet_bytes(read_table(pathlib.Path(sys.argv[1])))\n"
        "print(hashlib.sha256(b).hexdigest())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(GERMAN)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == hashlib.sha256(frame_to_parquet_bytes(german)).hexdigest()


def test_parquet_bytes_read_back_as_the_frame(tmp_path: Path, german: pd.DataFrame) -> None:
    path = tmp_path / "german.parquet"
    path.write_bytes(frame_to_parquet_bytes(german))
    pd.testing.assert_frame_equal(read_table(path), german)
    assert file_digest(path) == hashlib.sha256(frame_to_parquet_bytes(german)).hexdigest()
    # A non-default index (a split of the data) is part of the data and survives.
    split = german.sample(50, random_state=0)
    path.write_bytes(frame_to_parquet_bytes(split))
    pd.testing.assert_frame_equal(read_table(path), split)


def test_parquet_bytes_refuse_unusable_column_names() -> None:
    with pytest.raises(BadInput, match="not by text"):
        frame_to_parquet_bytes(pd.DataFrame([[1, 2]]))
    with pytest.raises(BadInput, match="more than one column named a"):
        frame_to_parquet_bytes(pd.DataFrame([[1, 2]], columns=["a", "a"]))
    with pytest.raises(BadInput, match="cannot store the frame as Parquet"):
        frame_to_parquet_bytes(pd.DataFrame({"mixed": [1, "x", 2.5]}, dtype=object))


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


# --- Schema ----------------------------------------------------------------------------------


def test_schema_accepts_matching_input(german: pd.DataFrame) -> None:
    X = german.drop(columns=TARGET)
    schema = Schema.from_frame(X)
    assert len(schema.columns) == 20
    assert ("credit_amount", "int64", "numeric") in schema.columns
    schema.check(X, what="the scoring input")
    # Another column order, and floats where the model saw ints, are still the same features.
    reordered = X[list(reversed(X.columns))].astype({"credit_amount": "float64"})
    schema.check(reordered, what="the scoring input")
    assert Schema.from_list(schema.to_list()) == schema
    assert_json_safe(schema.to_list())
    with pytest.raises(dataclasses.FrozenInstanceError):
        schema.columns = ()  # type: ignore[misc]


def test_schema_names_every_mismatch(german: pd.DataFrame) -> None:
    X = german.drop(columns=TARGET)
    schema = Schema.from_frame(X)
    bad = X.drop(columns=["age_in_years", "job"]).assign(
        credit_amount=X["credit_amount"].astype(str), customer_id=range(len(X))
    )
    with pytest.raises(BadInput) as err:
        schema.check(bad, what="the scoring input")
    msg = str(err.value)
    assert msg.startswith("the scoring input does not match the model's features")
    assert "missing columns age_in_years, job" in msg
    assert "unexpected column customer_id" in msg
    assert "column credit_amount holds text, but the model was trained on numbers" in msg
    assert err.value.exit_code == 3
    assert err.value.hint is not None and "20 columns" in err.value.hint


def test_schema_kind_words() -> None:
    schema = Schema.from_frame(pd.DataFrame({"flag": [True], "amount": [1.0]}))
    with pytest.raises(BadInput, match="column flag holds numbers, but the model was trained on"):
        schema.check(pd.DataFrame({"flag": [1], "amount": [1.0]}), what="the input")
    with pytest.raises(BadInput, match="column amount holds true/false values"):
        schema.check(pd.DataFrame({"flag": [True], "amount": [True]}), what="the input")
    with pytest.raises(BadInput, match="unknown kind"):
        Schema.from_list([{"name": "a", "dtype": "int64", "kind": "ordinal"}])
