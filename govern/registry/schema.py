"""A table's columns as a model expects them, and the check of new data against them.

A Schema is recorded with every model (docs/registry.md, "Models"); scoring and explaining check
their input against it, and say in a model-risk officer's words which columns do not match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from govern.errors import BadInput
from govern.registry.tables import check_column_names, name_list

__all__ = ["Kind", "Schema", "describe", "kind_of"]

Kind = Literal["numeric", "categorical"]


def kind_of(dtype: Any) -> Kind:
    """The kind of a dtype: numeric for real numbers (ints, floats, nullable ones), else
    categorical.

    Uses pandas' own test, never `dtype == object`: pandas 3 reads text as the `str` dtype.
    Booleans and complex numbers count as categorical (neither has quantiles worth binning).
    """
    if (
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not pd.api.types.is_complex_dtype(dtype)
    ):
        return "numeric"
    return "categorical"


def describe(kind: str, dtype: str) -> str:
    """What a column holds, in the words of a model-risk officer rather than of pandas."""
    if kind == "numeric":
        return "numbers"
    if dtype in ("bool", "boolean"):
        return "true/false values"
    if dtype in ("str", "string", "object") or dtype.startswith("string"):
        return "text"
    if dtype.startswith("datetime64"):
        return "dates"
    if dtype == "category":
        return "categories"
    return f"values of type {dtype}"


@dataclass(frozen=True)
class Schema:
    """The columns of a table, in order, as (name, dtype string, kind)."""

    columns: tuple[tuple[str, str, Kind], ...]

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> Schema:
        """The frame's columns in order; BadInput if a name is not text or not unique."""
        check_column_names(df, "the data")
        return cls(tuple((name, str(df[name].dtype), kind_of(df[name].dtype)) for name in df))

    @classmethod
    def from_list(cls, items: Sequence[dict[str, Any]]) -> Schema:
        """The inverse of `to_list` (a schema as stored in the ledger)."""
        columns: list[tuple[str, str, Kind]] = []
        for item in items:
            kind = item.get("kind")
            if kind not in ("numeric", "categorical"):
                raise BadInput(f"schema column {item.get('name')!r} has unknown kind {kind!r}")
            columns.append((str(item["name"]), str(item["dtype"]), kind))
        return cls(tuple(columns))

    def to_list(self) -> list[dict[str, str]]:
        """JSON-safe and in column order (a list, because canonical JSON sorts object keys)."""
        return [{"name": n, "dtype": d, "kind": k} for n, d, k in self.columns]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n, _, _ in self.columns)

    def check(self, df: pd.DataFrame, *, what: str) -> None:
        """Pass if `df` has exactly these columns, each of the same kind; else BadInput.

        The message names every missing column, every extra column, and every column whose kind
        differs ("column credit_amount holds text, but the model was trained on numbers"). Column
        order and dtypes within a kind (int64 against float64) may differ: select
        `df[list(schema.names)]` to get the model's order.
        """
        check_column_names(df, what)
        names = set(self.names)
        missing = [n for n in self.names if n not in df.columns]
        extra = [str(c) for c in df.columns if c not in names]
        problems: list[str] = []
        if missing:
            problems.append(f"missing column{'s' if len(missing) > 1 else ''} {name_list(missing)}")
        if extra:
            problems.append(f"unexpected column{'s' if len(extra) > 1 else ''} {name_list(extra)}")
        for name, dtype, kind in self.columns:
            if name not in df.columns:
                continue
            actual = df[name].dtype
            if kind_of(actual) != kind:
                problems.append(
                    f"column {name} holds {describe(kind_of(actual), str(actual))}, but the "
                    f"model was trained on {describe(kind, dtype)}"
                )
        if problems:
            raise BadInput(
                f"{what} does not match the model's features: " + "; ".join(problems),
                hint=f"pass exactly the {len(self.columns)} columns the model was trained on: "
                + name_list(list(self.names)),
            )
