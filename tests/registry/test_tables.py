"""Tests for govern.registry.tables: reading datasets and their Parquet bytes."""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govern.errors import BadInput, NotFound
from govern.registry.digests import dataset_digest, file_digest, folder_digest
from govern.registry.schema import kind_of
from govern.registry.tables import frame_to_parquet_bytes, read_table
from tests.registry.frames import GERMAN, TARGET, small

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
        "from govern.registry.tables import frame_to_parquet_bytes, read_table\n"
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
