"""Reporting periods: a month, a quarter or a year, as whole months with inclusive ends."""

from __future__ import annotations

from datetime import date

import pytest

from lmis_reporting.domain.errors import InvalidPeriod
from lmis_reporting.domain.periods import parse_period


def test_a_month_runs_from_its_first_to_its_last_day() -> None:
    period = parse_period("2026-11")

    assert (period.kind, period.start, period.end) == (
        "month",
        date(2026, 11, 1),
        date(2026, 11, 30),
    )
    assert period.months() == [date(2026, 11, 1)]


def test_february_of_a_leap_year_ends_on_the_29th() -> None:
    assert parse_period("2028-02").end == date(2028, 2, 29)


def test_a_quarter_is_its_three_months() -> None:
    period = parse_period("2026-Q4")

    assert (period.kind, period.start, period.end) == (
        "quarter",
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert period.months() == [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]


def test_the_first_quarter_starts_in_january_and_ends_in_march() -> None:
    period = parse_period("2027-Q1")

    assert (period.start, period.end) == (date(2027, 1, 1), date(2027, 3, 31))


def test_a_year_is_its_twelve_months() -> None:
    period = parse_period("2026")

    assert (period.kind, period.start, period.end) == ("year", date(2026, 1, 1), date(2026, 12, 31))
    assert len(period.months()) == 12


@pytest.mark.parametrize(
    ("written", "label"),
    [
        ("2026-11", "2026-11"),
        ("2026-q4", "2026-Q4"),
        (" 2026-Q1 ", "2026-Q1"),
        ("2026", "2026"),
        ("0001-01", "0001-01"),  # was "1-01", which no request may send back
        ("0099-Q2", "0099-Q2"),
        ("0999", "0999"),
    ],
)
def test_the_label_is_the_canonical_spelling(written: str, label: str) -> None:
    assert parse_period(written).label == label


@pytest.mark.parametrize(
    "written",
    [
        "2026-13",
        "2026-00",
        "2026-Q5",
        "2026-Q0",
        "2026-1",
        "26-11",
        "2026/11",
        "",
        "0000",
        "2026-11-01",
        "next month",
        "２０２６",
    ],
)
def test_anything_else_is_an_invalid_period_named_period(written: str) -> None:
    with pytest.raises(InvalidPeriod) as caught:
        parse_period(written)

    assert caught.value.field == "period"
    assert "2026-Q4" in str(caught.value) or "must be" in str(caught.value)
