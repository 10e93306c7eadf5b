"""Tests for govern.registry.dates: calendar months, and the dates people type."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from govern.errors import BadInput
from govern.registry.dates import add_months, parse_date


def test_a_month_ends_on_the_same_day_or_the_last_day_of_a_shorter_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)  # a leap year
    assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 23), 25) == date(2028, 12, 23)


def test_twelve_months_keep_the_day_of_the_month() -> None:
    # The 31st stays the 31st: an approval must not lapse three days early (day 28 clamping).
    assert add_months(date(2026, 1, 31), 12) == date(2027, 1, 31)
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)


def test_a_time_keeps_its_time_of_day() -> None:
    signed = datetime(2026, 1, 31, 14, 5, 6, 123456, tzinfo=UTC)
    assert add_months(signed, 12) == datetime(2027, 1, 31, 14, 5, 6, 123456, tzinfo=UTC)
    assert type(add_months(signed, 1)) is datetime
    assert type(add_months(date(2026, 1, 31), 1)) is date


def test_parse_date() -> None:
    assert parse_date("2030-01-31") == "2030-01-31T23:59:59.000000Z"
    assert parse_date("2030-01-31T10:00:00+02:00") == "2030-01-31T08:00:00.000000Z"
    assert parse_date("2030-01-31T10:00:00Z") == "2030-01-31T10:00:00.000000Z"
    with pytest.raises(BadInput, match="is not a date"):
        parse_date("31/01/2030")
