"""Canonical input rows and commitments: exactly RFC 8785, and a commitment anyone can check."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.errors import BadInput
from govern.ledger.jcs import canonicalize
from govern.provenance.canonical import (
    canonical_rows,
    commitment,
    frame_from_rows,
    parse_row,
    utf16_order,
)
from govern.registry.schema import Schema


def _plain(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def expected(frame: pd.DataFrame) -> list[bytes]:
    """The slow, obvious definition: JCS of {column: value} per row."""
    return [
        canonicalize({str(c): _plain(frame[c].iloc[i]) for c in frame.columns})
        for i in range(len(frame))
    ]


def test_rows_are_exactly_rfc8785_on_awkward_values() -> None:
    frame = pd.DataFrame(
        {
            "a": [1.5, np.nan, 1e-7, 1e21, -0.0, 2.0],
            "b": ["x", None, 'é"\\', "𝄞", "x", "%s"],
            "c": [True, False, True, True, False, True],
            "d": pd.array([1, None, 3, 4, 5, 2**53 - 1], dtype="Int64"),
            "é": [1, 2, 3, 4, 5, 6],
            "A%b": ["1", "2", "3", "4", "5", "6"],
            "mixed": [1, "a", True, 1.0, None, 2.5],
            "\U0001f600": ["a"] * 6,
            "\uff61": ["b"] * 6,
        }
    )
    rows = canonical_rows(frame, list(frame.columns))
    assert rows == expected(frame)
    # and the independent implementation agrees
    for row, i in zip(rows, range(len(frame)), strict=True):
        assert row == rfc8785.dumps({str(c): _plain(frame[c].iloc[i]) for c in frame.columns})
    # keys in UTF-16 order: U+FF61 sorts after the surrogate pair of U+1F600
    assert utf16_order(["\uff61", "\U0001f600", "a"]) == ["a", "\U0001f600", "\uff61"]


def test_only_the_named_features_in_any_frame_order() -> None:
    frame = pd.DataFrame({"z": [1], "a": ["x"], "extra": [9]})
    assert canonical_rows(frame, ["z", "a"]) == [b'{"a":"x","z":1}']


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-(2**53) + 1, 2**53 - 1),
            st.floats(allow_nan=True, allow_infinity=False, width=64),
            st.one_of(st.none(), st.text(max_size=12)),
            st.booleans(),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_rows_match_the_encoder(values: list[tuple[int, float, str | None, bool]]) -> None:
    frame = pd.DataFrame(values, columns=["n", "x", "s", "b"]).astype({"s": object})
    try:
        want = expected(frame)
    except BadInput:  # a lone surrogate: both must refuse it
        with pytest.raises(BadInput, match="column s"):
            canonical_rows(frame, ["n", "x", "s", "b"])
        return
    assert canonical_rows(frame, ["n", "x", "s", "b"]) == want


def test_values_that_are_not_json_are_refused_naming_the_column() -> None:
    with pytest.raises(BadInput, match="column big"):
        canonical_rows(pd.DataFrame({"big": [2**60]}), ["big"])
    with pytest.raises(BadInput, match=r"column x .*infinity"):
        canonical_rows(pd.DataFrame({"x": [1.0, math.inf]}), ["x"])
    with pytest.raises(BadInput, match="column when holds dates"):
        canonical_rows(pd.DataFrame({"when": pd.to_datetime(["2026-01-01"])}), ["when"])


def test_commitment_is_sha256_of_salt_then_row() -> None:
    salt = bytes(range(32))
    row = b'{"age":22}'
    assert commitment(salt, row) == hashlib.sha256(salt + row).hexdigest()


def test_rows_read_back_with_the_registered_types() -> None:
    frame = pd.DataFrame(
        {"n": [1, 2], "x": [0.5, np.nan], "s": ["a", None], "b": [True, False]}
    ).astype({"s": "str"})
    schema = Schema.from_frame(frame)
    rows = [parse_row(r) for r in canonical_rows(frame, list(schema.names))]
    back = frame_from_rows(rows, schema)
    assert list(back.columns) == ["n", "x", "s", "b"]
    assert back["n"].dtype == np.int64 and back["b"].dtype == bool
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    with pytest.raises(BadInput, match="no value for the feature n"):
        frame_from_rows([{"x": 1}], schema)
