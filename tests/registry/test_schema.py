"""Tests for govern.registry.schema: a model's columns and the check of data against them."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from govern.errors import BadInput
from govern.registry.schema import Schema
from tests.registry.frames import TARGET, assert_json_safe

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
