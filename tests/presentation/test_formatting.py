"""One number format, one timestamp format, one "not recorded"."""

from __future__ import annotations

import numpy as np

from govern.presentation import NOT_RECORDED, day, fmt, shown


def test_floats_print_with_four_fixed_decimals() -> None:
    assert fmt(12.3456) == "12.3456"
    assert fmt(12.34564) == "12.3456" and fmt(0.5) == "0.5000" and fmt(-0.25) == "-0.2500"
    assert fmt(1234567.891) == "1234567.8910"
    assert fmt(np.float64(0.123456)) == "0.1235" and fmt(np.float32(0.5)) == "0.5000"
    assert fmt(12.3456, 2) == "12.35"


def test_tiny_values_print_in_e_notation() -> None:
    assert fmt(3.2e-7) == "3.20e-07" and fmt(-1e-5) == "-1.00e-05"
    assert fmt(0.0001) == "0.0001" and fmt(0.0) == "0.0000"


def test_integers_booleans_and_text() -> None:
    assert fmt(1169) == "1,169" and fmt(np.int64(1000000)) == "1,000,000" and fmt(-3) == "-3"
    assert (fmt(True), fmt(False)) == ("yes", "no")
    assert fmt("log-odds") == "log-odds"


def test_sign_marks_the_direction() -> None:
    assert fmt(0.524390, sign=True) == "+0.5244" and fmt(-0.725231, sign=True) == "-0.7252"
    assert fmt(5e-7, sign=True) == "+5.00e-07" and fmt(3, sign=True) == "+3"


def test_nothing_to_print_is_none() -> None:
    assert NOT_RECORDED == "not recorded"
    for value in (None, float("nan"), float("inf"), -float("inf")):
        assert fmt(value) is None


def test_ledger_timestamps_print_to_the_second() -> None:
    ts = "2026-12-02T05:36:10.123456Z"
    assert shown(ts) == "2026-12-02 05:36:10 UTC"
    assert shown("2026-12-02T05:36:10Z") == "2026-12-02 05:36:10 UTC"
    assert (
        shown(f"approved by vera on {ts} (entry 15), expires 2027-12-02T05:36:10.000001Z")
        == "approved by vera on 2026-12-02 05:36:10 UTC (entry 15), expires 2027-12-02 05:36:10 UTC"
    )
    assert shown("2026-12-02") == "2026-12-02" and shown("no time here") == "no time here"
    assert day(ts) == "2026-12-02" and day(None) is None
