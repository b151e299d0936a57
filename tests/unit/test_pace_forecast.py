"""Early warning: a flow with a yearly target answers, for the clock's year, a forecast for
31 December (seasonal from the same span of earlier years where they counted anything, else a
straight line), its method, and whether it meets the target."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

import pytest

from lmis_reporting.application.ports import CountRange
from lmis_reporting.application.queries import ReportingQueries
from lmis_reporting.domain.pace import seasonal_projection
from lmis_reporting.domain.units import Unit
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.clock import FixedClock
from tests.unit.reporting_fakes import FakeFacts, FakeMarkets, FakeTargets, FakeUnits, target

LAI_CHAU = Unit("12", "Lai Châu", "province", None, "current", "12")
ADMIN = Principal("a-1", Role.ADMIN, "*")
NOW = FixedClock(datetime(2026, 6, 30, 9, tzinfo=UTC))  # half of 2026 gone


class MonthlyCounts:
    """Counts per first day of month; a range sums the months it covers."""

    def __init__(self, months: Mapping[date, int]) -> None:
        self.months = months

    async def total(self, counts: CountRange) -> int:
        return sum(v for m, v in self.months.items() if counts.start <= m <= counts.end)


def queries(months: Mapping[date, int], goal: float = 450) -> ReportingQueries:
    return ReportingQueries(
        FakeUnits([LAI_CHAU]),
        MonthlyCounts(months),
        FakeFacts(),
        FakeMarkets(),
        FakeTargets(target(goal, year=2026)),
        Authorizer(),
        NOW,
    )


def every_month(year: int, first_half: int, second_half: int) -> dict[date, int]:
    return {date(year, m, 1): first_half if m <= 6 else second_half for m in range(1, 13)}


async def test_without_history_the_forecast_is_a_straight_line() -> None:
    found = await queries(every_month(2026, 30, 0)).indicator_value(
        ADMIN, "departed", "2026", "12", "current"
    )

    assert found.value == 180
    assert found.pace is not None
    assert found.pace.method == "straight_line"
    assert found.pace.forecast == pytest.approx(180 * 365 / 181)
    assert found.pace.on_track is False  # about 363 < 450


async def test_a_second_half_heavier_in_earlier_years_lifts_the_forecast_on_track() -> None:
    history = every_month(2024, 10, 50) | every_month(2025, 20, 60)  # a third, a quarter
    found = await queries(history | every_month(2026, 30, 0)).indicator_value(
        ADMIN, "departed", "2026", "12", "current"
    )

    assert found.pace is not None
    assert (found.pace.method, found.pace.years) == ("seasonal", (2024, 2025))
    assert found.pace.forecast == pytest.approx(180 / ((60 + 120) / (360 + 480)))
    assert found.pace.on_track is True  # 840 >= 450


async def test_no_forecast_for_another_year_a_quarter_a_breakdown_or_a_stock() -> None:
    q = queries(every_month(2025, 30, 30) | every_month(2026, 30, 0))
    assert (await q.indicator_value(ADMIN, "departed", "2025", "12", "current")).pace is None
    assert (await q.indicator_value(ADMIN, "departed", "2026-Q2", "12", "current")).pace is None
    assert (await q.indicator_value(ADMIN, "returned", "2026", "12", "current")).pace is None


def test_years_with_nothing_counted_are_left_out_and_no_history_gives_none() -> None:
    assert seasonal_projection(10, [(0, 0), (5, 20)]) == 40
    assert seasonal_projection(10, [(0, 0)]) is None
