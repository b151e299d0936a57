"""Time is an input: a fixed clock that tests move, and Vietnam's calendar date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from lmis_shared.clock import FixedClock, SystemClock


def test_today_is_the_date_in_vietnam_not_in_utc() -> None:
    late_evening_utc = FixedClock(datetime(2026, 3, 31, 18, 30, tzinfo=UTC))  # 01:30 in Hà Nội

    assert late_evening_utc.today() == date(2026, 4, 1)


def test_a_fixed_clock_moves_only_when_told() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))

    clock.advance(timedelta(days=45))

    assert clock.now() == datetime(2026, 2, 15, tzinfo=UTC)


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2026, 1, 1))


def test_the_system_clock_answers_in_utc() -> None:
    assert SystemClock().now().utcoffset() == timedelta(0)
