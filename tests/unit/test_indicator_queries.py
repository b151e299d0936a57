"""Indicator values on fakes of the ports: breakdowns, market tiers, shares, stocks on the
clock's date, and the target and progress that come with a value."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest

from lmis_reporting.application.ports import CountRange
from lmis_reporting.application.queries import ReportingQueries
from lmis_reporting.domain.errors import InvalidPeriod, UnknownDimension
from lmis_reporting.domain.facts import Facts
from lmis_reporting.domain.indicators import TOTAL, Increment, merge
from lmis_reporting.domain.targets import Target
from lmis_reporting.domain.units import Hierarchy
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.clock import VIETNAM_TZ, FixedClock
from lmis_shared.events import EventPayload
from tests.unit import test_indicator_rules as example
from tests.unit.reporting_fakes import FakeMarkets, FakeTargets, FakeUnits, target

ADMIN = Principal("a-1", Role.ADMIN, "*")
MARKETS = frozenset({"JP", "KR", "TW", "SG", "AU", "DE", "RO"})


def child_of(unit_code: str, leaf: str) -> str | None:
    """The unit directly under `unit_code` that `leaf` lies in (this tree has two levels)."""
    return leaf if unit_code == "12" and leaf != "12" else None


def under(unit_code: str, leaf: str) -> bool:
    return leaf == unit_code or child_of(unit_code, leaf) is not None


class Streams:
    """The projection in memory: each stream folded as the projection folds it."""

    def __init__(self) -> None:
        self.increments: list[Increment] = []
        self.facts: list[Facts] = []

    def add(self, *events: EventPayload) -> None:
        facts, found = example.fold(list(events))
        assert facts is not None
        self.facts.append(facts)
        self.increments = merge([*self.increments, *found])


class FakeReads:
    """Answers the counts and facts ports from `Streams`, remembering the periods asked."""

    def __init__(self, streams: Streams) -> None:
        self._streams = streams
        self.periods: list[tuple[str, date, date]] = []

    def _rows(self, counts: CountRange, dimension: str) -> Sequence[Increment]:
        self.periods.append((counts.indicator, counts.start, counts.end))
        return [
            i
            for i in self._streams.increments
            if i.indicator == counts.indicator
            and under(counts.unit_code, i.unit_code)
            and counts.start <= i.period <= counts.end
            and i.dimension == dimension
        ]

    async def total(self, counts: CountRange) -> int:
        return sum(i.delta for i in self._rows(counts, TOTAL))

    async def breakdown(self, counts: CountRange, dimension: str) -> dict[str, int]:
        found: dict[str, int] = {}
        for i in self._rows(counts, dimension):
            found[i.dim_value] = found.get(i.dim_value, 0) + i.delta
        return found

    async def per_child(
        self, counts: CountRange, dimension: str = TOTAL
    ) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for i in self._rows(counts, dimension):
            child = child_of(counts.unit_code, i.unit_code)
            if child is not None:
                values = found.setdefault(child, {})
                values[i.dim_value] = values.get(i.dim_value, 0) + i.delta
        return found

    async def facts_under(
        self, stream_type: str, hierarchy: Hierarchy, unit_code: str
    ) -> list[tuple[str | None, Facts]]:
        kinds = {
            "worker": "WorkerFacts",
            "loan": "LoanFacts",
            "foreign_worker": "ForeignWorkerFacts",
        }
        return [
            (child_of(unit_code, f.commune_code), f)
            for f in self._streams.facts
            if type(f).__name__ == kinds[stream_type] and under(unit_code, f.commune_code)
        ]


@pytest.fixture
def streams() -> Streams:
    return Streams()


@pytest.fixture
def reads(streams: Streams) -> FakeReads:
    return FakeReads(streams)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 6, 15, 9, 0, tzinfo=VIETNAM_TZ))


def queries_with(reads: FakeReads, clock: FixedClock, *targets: Target) -> ReportingQueries:
    markets = FakeMarkets({"12": MARKETS})
    return ReportingQueries(
        FakeUnits(), reads, reads, markets, FakeTargets(*targets), Authorizer(), clock
    )


@pytest.fixture
def queries(reads: FakeReads, clock: FixedClock) -> ReportingQueries:
    return queries_with(reads, clock)


def departure(streams: Streams, commune: str, country: str, on: date) -> None:
    streams.add(example.registered(commune), example.contract(country), example.departed(on))


# -- flows ----------------------------------------------------------------------------------


async def test_departures_break_down_by_market_tier_from_the_provinces_list(
    queries: ReportingQueries, streams: Streams
) -> None:
    for country in ("KR", "JP", "LA", "KR"):
        departure(streams, "03637", country, date(2026, 2, 3))

    found = await queries.indicator_value(
        ADMIN, "departed", "2026", "12", "current", by="market_tier"
    )

    assert found.value == 4
    assert found.breakdown == {"high_income": 3, "other": 1}
    assert found.as_of is None


async def test_the_high_income_share_divides_the_high_income_part_by_every_departure(
    queries: ReportingQueries, streams: Streams
) -> None:
    departure(streams, "03637", "KR", date(2026, 2, 3))
    departure(streams, "03640", "KR", date(2026, 2, 3))
    departure(streams, "03640", "LA", date(2026, 3, 9))

    share = await queries.indicator_value(
        ADMIN, "departed_high_income_share", "2026", "12", "current"
    )
    by_commune = await queries.indicator_value(
        ADMIN, "departed_high_income_share", "2026", "12", "current", by="unit"
    )
    nobody = await queries.indicator_value(
        ADMIN, "departed_high_income_share", "2025", "12", "current"
    )

    assert share.value == pytest.approx(2 / 3)
    assert by_commune.breakdown == {"03637": 1.0, "03640": 0.5}
    assert nobody.value is None


async def test_by_must_name_a_dimension_of_the_indicator(queries: ReportingQueries) -> None:
    with pytest.raises(UnknownDimension) as refused:
        await queries.indicator_value(ADMIN, "departed", "2026", "12", "current", by="nationality")

    assert refused.value.field == "by"
    assert "destination_country" in refused.value.message


async def test_a_flow_needs_a_period(queries: ReportingQueries) -> None:
    with pytest.raises(InvalidPeriod):
        await queries.indicator_value(ADMIN, "departed", None, "12", "current")


# -- stocks on the clock's date ---------------------------------------------------------------


async def test_permits_are_counted_on_the_clocks_date_as_it_walks_across_an_expiry(
    queries: ReportingQueries, streams: Streams, clock: FixedClock
) -> None:
    streams.add(
        example.foreign_worker("03637", engaged_on=date(2026, 1, 2)),
        example.permit_issued(date(2026, 1, 2), date(2026, 6, 15)),
    )

    async def now(code: str) -> tuple[date | None, object]:
        found = await queries.indicator_value(ADMIN, code, None, "12", "current")
        return found.as_of, found.value

    assert await now("foreign_workers_valid_permit") == (date(2026, 6, 15), 1)
    clock.set(datetime(2026, 6, 16, 0, 5, tzinfo=VIETNAM_TZ))
    assert await now("foreign_workers_valid_permit") == (date(2026, 6, 16), 0)
    assert await now("foreign_workers_without_permit") == (date(2026, 6, 16), 1)


async def test_a_loan_is_overdue_from_the_day_after_its_due_date_on_the_clock(
    queries: ReportingQueries, streams: Streams, clock: FixedClock
) -> None:
    streams.add(
        example.loan_applied("03640"),
        example.loan_approved(),
        example.loan_disbursed(date(2026, 5, 15), date(2026, 6, 15)),
        example.repaid(date(2026, 6, 1), 2_000_000),
    )

    async def overdue() -> tuple[object, object]:
        amount = await queries.indicator_value(
            ADMIN, "loans_overdue_amount_vnd", None, "12", "current"
        )
        ratio = await queries.indicator_value(ADMIN, "loans_overdue_ratio", None, "12", "current")
        return amount.value, ratio.value

    assert await overdue() == (0, 0.0)
    clock.set(datetime(2026, 6, 16, 9, 0, tzinfo=UTC))
    # instalment 1 (4,000,000 + 120,000) less the 2,000,000 paid; 10,120,000 still owed
    assert await overdue() == (2_120_000, pytest.approx(2_120_000 / 10_120_000))


async def test_a_stock_asked_for_a_past_period_is_counted_on_its_last_day(
    queries: ReportingQueries, streams: Streams
) -> None:
    departure(streams, "03637", "KR", date(2026, 2, 3))

    q4 = await queries.indicator_value(ADMIN, "workers_abroad", "2025-Q4", "12", "current")
    q1 = await queries.indicator_value(ADMIN, "workers_abroad", "2026-Q1", "12", "current")
    asked = await queries.indicator_value(
        ADMIN, "workers_abroad", None, "12", "current", as_of=date(2026, 2, 2)
    )

    assert (q4.as_of, q4.value) == (date(2025, 12, 31), 0)
    assert (q1.as_of, q1.value) == (date(2026, 3, 31), 1)
    assert (asked.as_of, asked.value) == (date(2026, 2, 2), 0)


# -- targets and progress ---------------------------------------------------------------------


async def test_a_quarter_is_compared_with_the_years_target_pro_rated(
    reads: FakeReads, streams: Streams, clock: FixedClock
) -> None:
    queries = queries_with(reads, clock, target(450, 2026))
    for _ in range(45):
        departure(streams, "03637", "KR", date(2026, 2, 3))

    found = await queries.indicator_value(ADMIN, "departed", "2026-Q1", "12", "current")

    assert found.target is not None
    assert found.target.applied.value == 112.5
    assert found.target.progress == pytest.approx(45 / 112.5)
    assert found.target.met is False


async def test_a_target_over_several_years_is_compared_with_the_value_over_them(
    reads: FakeReads, streams: Streams, clock: FixedClock
) -> None:
    queries = queries_with(reads, clock, target(200, 2025, 2023, "trained_for_eps"))

    found = await queries.indicator_value(ADMIN, "trained_for_eps", "2025", "12", "current")

    assert found.target is not None
    assert found.target.applied.basis == "span"
    assert ("trained_for_eps", date(2023, 1, 1), date(2025, 12, 31)) in reads.periods
    assert found.target.compared_value == 0
    assert found.target.progress == 0


async def test_without_a_target_there_is_no_progress(queries: ReportingQueries) -> None:
    found = await queries.indicator_value(ADMIN, "departed", "2026", "03637", "current")

    assert found.target is None
