"""The dashboard's overview on fakes of the reporting ports: it asks what the indicator API
would, with the same authorisation; it reads a unit's stream facts once per page; targets and
their pace; and the page's words and numbers in both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lmis_reporting.application.dashboard import DashboardQueries
from lmis_reporting.application.ports import CountRange
from lmis_reporting.application.queries import ReportingQueries
from lmis_reporting.application.targets import TargetCommands
from lmis_reporting.domain.facts import AlertFacts, Facts
from lmis_reporting.domain.units import Hierarchy
from lmis_reporting.entrypoints.page_text import Words
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.commands import EventStoreStreams
from lmis_shared.errors import Forbidden
from lmis_shared.eventstore import InMemoryEventStore
from tests.unit.reporting_fakes import FakeMarkets, FakeTargets, FakeUnits, target

NOW = datetime(2026, 7, 2, 3, 0, tzinfo=UTC)  # day 183 of 365
PROVINCE_OFFICER = Principal("p-1", Role.PROVINCE_OFFICER, "12")
COMMUNE_OFFICER = Principal("c-1", Role.COMMUNE_OFFICER, "03637")


class Counts:
    """Every departure count is 10 a month; breakdowns are empty. Remembers what it was asked."""

    def __init__(self, first_year: int = 2000) -> None:
        self.asked: list[CountRange] = []
        self.first_year = first_year
        """No departure before this year."""

    async def total(self, counts: CountRange) -> int:
        self.asked.append(counts)
        if counts.indicator != "departed" or counts.end.year < self.first_year:
            return 0
        months = (counts.end.year - counts.start.year) * 12 + counts.end.month - counts.start.month
        return 10 * (months + 1)

    async def breakdown(self, counts: CountRange, dimension: str) -> dict[str, int]:
        self.asked.append(counts)
        return {}

    async def per_child(self, counts: CountRange, dimension: str = "") -> dict[str, dict[str, int]]:
        self.asked.append(counts)
        return {}


class CountingFacts:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    async def facts_under(
        self, stream_type: str, hierarchy: Hierarchy, unit_code: str
    ) -> list[tuple[str | None, Facts]]:
        self.asked.append((stream_type, unit_code))
        return ALERTS if stream_type == "alert" else []


ALERTS: list[tuple[str | None, Facts]] = [
    ("03637", AlertFacts(commune_code="03637", rule="loan_overdue", raised_on=date(2026, 6, 3))),
    ("03637", AlertFacts(commune_code="03637", rule="loan_overdue", raised_on=date(2026, 7, 2))),
    (
        "03640",
        AlertFacts(
            commune_code="03640",
            rule="report_late",
            raised_on=date(2026, 5, 11),
            resolved_on=date(2026, 6, 1),
        ),
    ),
    ("03640", AlertFacts(commune_code="03640", rule="absconded", raised_on=date(2026, 7, 3))),
]
"""Open on the clock's 2 July: the two loan alerts; one resolved, one raised tomorrow."""


class NoFilings:
    """A filing store the caller may not read: the report buttons come without their states."""

    async def status(self, *args: object) -> None:
        raise Forbidden("role may not read report")


class Parts:
    def __init__(self, counts: Counts | None = None, clock: FixedClock | None = None) -> None:
        self.counts = counts or Counts()
        self.facts = CountingFacts()
        clock = clock or FixedClock(NOW)
        rows = FakeTargets(target(value=730, year=2026))
        units = FakeUnits()
        self.queries = queries = ReportingQueries(
            units, self.counts, self.facts, FakeMarkets(), rows, Authorizer(), clock
        )
        streams = EventStoreStreams(InMemoryEventStore(), rows)
        commands = TargetCommands(units, rows, streams, Authorizer(), clock)
        self.dashboard = DashboardQueries(queries, commands, NoFilings(), clock)  # type: ignore[arg-type]


@pytest.fixture
def parts() -> Parts:
    return Parts()


async def test_a_commune_officer_asking_for_the_province_is_refused_before_any_count(
    parts: Parts,
) -> None:
    with pytest.raises(Forbidden):
        await parts.dashboard.overview(COMMUNE_OFFICER, "12", 2026)

    assert parts.counts.asked == []
    assert parts.facts.asked == []


async def test_the_overview_reads_each_kind_of_stream_once_for_the_page(parts: Parts) -> None:
    await parts.dashboard.overview(PROVINCE_OFFICER, "12", 2026)
    first_page = list(parts.facts.asked)
    await parts.dashboard.overview(PROVINCE_OFFICER, "12", 2026)

    assert sorted(first_page) == sorted(set(first_page))  # no stream type read twice
    assert len(parts.facts.asked) == 2 * len(first_page)  # a new page reads anew


async def test_the_target_carries_its_progress_and_the_pace_to_december(parts: Parts) -> None:
    found = await parts.dashboard.overview(PROVINCE_OFFICER, "12", 2026)

    (line,) = found.targets
    assert line.indicator == "departed"
    assert line.target == 730
    assert line.value == 120  # 10 a month over the year's 12 months of counts
    assert line.progress == pytest.approx(120 / 730)
    # the indicator's own forecast, not a line of the dashboard's: the fake counts 10 a
    # month in earlier years too, so the same months of 2023-2025 make it seasonal
    answered = await parts.queries.indicator_value(
        PROVINCE_OFFICER, "departed", "2026", "12", "current"
    )
    assert answered.pace is not None
    assert line.projected == answered.pace.forecast
    assert line.projected != pytest.approx(120 * 365 / 183)  # not the straight line
    assert (line.forecast_method, line.forecast_years) == ("seasonal", (2023, 2024, 2025))
    assert line.on_track == answered.pace.on_track
    assert found.figures()["target.departed.target"] == 730


async def test_without_earlier_years_the_pace_is_the_indicator_s_straight_line() -> None:
    parts = Parts(Counts(first_year=2026))
    found = await parts.dashboard.overview(PROVINCE_OFFICER, "12", 2026)

    (line,) = found.targets
    assert line.projected == pytest.approx(120 * 365 / 183)
    assert (line.forecast_method, line.forecast_years) == ("straight_line", ())


async def test_a_year_that_has_ended_shows_no_pace() -> None:
    parts = Parts(clock=FixedClock(datetime(2027, 2, 1, 3, 0, tzinfo=UTC)))
    found = await parts.dashboard.overview(PROVINCE_OFFICER, "12", 2026)

    (line,) = found.targets
    assert (line.value, line.projected, line.forecast_method) == (120, None, None)


async def test_months_run_to_the_clocks_month_and_open_alerts_are_the_indicators(
    parts: Parts,
) -> None:
    found = await parts.dashboard.overview(PROVINCE_OFFICER, "12", 2026)

    assert [m for m, _ in found.departures_by_month] == [f"2026-0{m}" for m in range(1, 8)]
    assert all(v == 10 for _, v in found.departures_by_month)
    assert found.open_alerts == {"loan_overdue": 2}  # `alerts_open` by rule, on 2 July
    assert found.figures()["alerts.loan_overdue"] == 2
    assert [(f.kind, f.period, f.states) for f in found.filing][:2] == [
        ("monthly", "2026-06", None),
        ("yearly_agencies", "2026", None),
    ]
    assert [row.unit.code for row in found.children] == ["03637", "03640"]


async def test_a_commune_officer_sees_the_communes_targets_through_the_indicators(
    parts: Parts,
) -> None:
    found = await parts.dashboard.overview(COMMUNE_OFFICER, "03637", 2026)

    assert found.unit.code == "03637"
    assert found.targets == []  # the commune has none; asking did not need the target list
    assert found.children == []
    assert [f.kind for f in found.filing] == ["monthly"]  # a commune files the monthly one


def test_numbers_are_written_as_each_language_writes_them() -> None:
    vi, en = Words("vi"), Words("en")

    assert vi.number(1234567) == "1.234.567"
    assert vi.number(1234.5, 1) == "1.234,5"
    assert vi.percent(0.125) == "12,5 %"
    assert en.number(1234567) == "1,234,567"
    assert en.percent(0.125) == "12.5%"
    assert vi.number(None) == "–"
    assert vi("pace", x="7", y="750") == (
        "Với tốc độ hiện nay, đạt 7 trên 750 kế hoạch vào 31 tháng 12"
    )
    assert en.name("departed") == "Departed"
