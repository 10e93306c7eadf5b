"""Canonical input rows and input commitments (docs/provenance.md, "Formats").

The canonical form of one input row is the RFC 8785 (JCS) serialization of the JSON object that
maps each registered feature name to the row's value: text as a string, integers as integers,
other real numbers as ECMAScript numbers, booleans as true/false, a missing value (None, NaN,
pd.NA) as null. Only the registered features are in it, whatever else the caller's frame held.

The commitment is ``SHA-256(salt || canonical row)``, lowercase hex, with a fresh 32-byte random
salt per prediction: a bare hash of low-entropy personal data could be brute-forced, a salted one
cannot without the salt, and deleting the salt and the row (erasure) leaves nothing to test a
guess against.

Speed: logging canonicalizes every scored row, so the work is done by column, not by row. Each
column's values are canonicalized by ``govern.ledger.jcs.canonicalize`` (a whole numeric column
in one call, each distinct text value once), and each row is assembled by filling a template
whose keys are already in RFC 8785 order (3.2.3). Joining canonical members in canonical order is
itself canonical, so no second serialization is needed; the tests hold the result to
``canonicalize(row_dict)`` byte for byte.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from govern.errors import BadInput
from govern.ledger.jcs import canonicalize, loads_strict
from govern.registry.schema import Schema, kind_of

__all__ = [
    "SALT_BYTES",
    "canonical_rows",
    "commitment",
    "frame_from_rows",
    "parse_row",
    "utf16_order",
]

SALT_BYTES = 32
_PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3


def utf16_order(names: Sequence[str]) -> list[str]:
    """Names in RFC 8785 (3.2.3) member order: by their UTF-16 code units."""
    return sorted(names, key=lambda n: n.encode("utf-16-be"))


def commitment(salt: bytes, row: bytes) -> str:
    """The input commitment: SHA-256(salt || canonical row), lowercase hex."""
    return hashlib.sha256(salt + row).hexdigest()


def _missing_mask(series: pd.Series) -> list[bool] | None:
    mask = series.isna()
    return mask.tolist() if bool(mask.any()) else None


def _bad_value(name: str, exc: BadInput) -> BadInput:
    return BadInput(
        f"column {name} holds a value that cannot be logged: {exc.message}",
        hint="logged inputs are JSON: text, integers within +-(2^53-1), finite numbers, "
        "true/false or missing",
    )


def _numeric_column(series: pd.Series, name: str) -> list[bytes]:
    # Each distinct value is encoded once (one call for all of them; numbers and null never
    # hold a comma, so the array splits into its members); missing values (code -1) take the
    # last slot, null.
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)
    try:
        text = canonicalize(values)
    except BadInput as exc:
        raise _bad_value(name, exc) from None
    table = np.empty(len(values) + 1, dtype=object)
    table[:-1] = text[1:-1].split(b",") if values else []
    table[-1] = b"null"
    out: list[bytes] = table[codes].tolist()
    return out


def _text_column(series: pd.Series, name: str) -> list[bytes]:
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind in ("string", "boolean", "empty"):
        # Each distinct value is canonicalized once; missing values (code -1) take the last
        # slot, null.
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        table = np.empty(len(uniques) + 1, dtype=object)
        try:
            for i, value in enumerate(uniques.tolist()):
                table[i] = canonicalize(value)
        except BadInput as exc:
            raise _bad_value(name, exc) from None
        table[-1] = b"null"
        out: list[bytes] = table[codes].tolist()
        return out
    # Mixed or unusual values: one at a time, so that 1, 1.0 and True stay distinct.
    result = []
    mask = _missing_mask(series) or [False] * len(series)
    for value, missing in zip(series.tolist(), mask, strict=True):
        try:
            result.append(b"null" if missing else canonicalize(value))
        except BadInput as exc:
            raise _bad_value(name, exc) from None
    return result


def _column(series: pd.Series, name: str) -> list[bytes]:
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        raise BadInput(
            f"column {name} holds dates, which have no canonical form in a logged input",
            hint="give dates as text (ISO 8601) or numbers, as the model was trained on them",
        )
    if kind_of(dtype) == "numeric":
        return _numeric_column(series, name)
    return _text_column(series, name)


def canonical_rows(frame: pd.DataFrame, features: Sequence[str]) -> list[bytes]:
    """The canonical bytes of every row of ``frame`` over ``features`` (see the module doc)."""
    order = utf16_order(features)
    columns = [_column(frame[name], name) for name in order]
    template = (
        b"{" + b",".join(canonicalize(name).replace(b"%", b"%%") + b":%b" for name in order) + b"}"
    )
    return [template % values for values in zip(*columns, strict=True)]


def parse_row(data: bytes) -> dict[str, Any]:
    """A stored canonical row, parsed strictly; BadInput if it is not a JSON object."""
    row = loads_strict(data)
    if not isinstance(row, dict):
        raise BadInput("the stored input is not a JSON object")
    return row


def _column_values(values: list[Any], dtype: str, kind: str, name: str) -> Any:
    """A column for the DataFrame constructor: arrays where the type is plain (fast: a look-up
    rebuilds a frame every time), a typed Series otherwise."""
    if kind == "numeric":
        if any(
            v is not None and (isinstance(v, bool) or not isinstance(v, int | float))
            for v in values
        ):
            raise BadInput(f"the stored input's {name} is not a number")
        if dtype.startswith(("int", "uint")) and all(type(v) is int for v in values):
            return np.array(values, dtype=dtype)
        return np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)
    if dtype in ("bool", "boolean") and all(type(v) is bool for v in values):
        return np.array(values, dtype=bool)
    if dtype in ("str", "string"):
        if all(type(v) is str for v in values):
            return pd.Series(values, dtype=dtype) if dtype == "string" else values
        # pandas 3's "str" reads None as missing; pandas 2's would write the text "None".
        if _PANDAS_3 and all(v is None or type(v) is str for v in values):
            return pd.Series(values, dtype=dtype)
    return pd.Series(values, dtype=object)


def frame_from_rows(
    rows: Sequence[Mapping[str, Any]], schema: Schema, index: Sequence[Any] | None = None
) -> pd.DataFrame:
    """Rebuild the model's input frame from parsed canonical rows, in the registered order and,
    where the values allow, with the registered dtypes (integers stay integers)."""
    data: dict[str, Any] = {}
    for name, dtype, kind in schema.columns:
        try:
            values = [row[name] for row in rows]
        except KeyError:
            raise BadInput(f"the stored input has no value for the feature {name}") from None
        data[name] = _column_values(values, dtype, kind, name)
    frame = pd.DataFrame(data)
    if index is not None:
        frame.index = pd.Index(list(index))
    return frame
