"""The data the registry's dataset tests share: the German credit file and a small frame."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

import govern

GERMAN = Path(govern.__file__).parent / "data" / "germancredit.csv"
TARGET = "creditability"


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
