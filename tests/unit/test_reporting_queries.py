"""The reporting queries on fakes of their ports: who may see which figures, and which input
an error is about."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lmis_reporting.application.ports import CountRange
from lmis_reporting.application.queries import ReportingQueries
from lmis_reporting.domain.errors import InvalidPeriod, UnitNotFound, UnknownIndicator
from lmis_reporting.domain.units import Unit
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.errors import Forbidden
from tests.unit.reporting_fakes import FakeFacts, FakeMarkets, FakeTargets, FakeUnits

UNITS = [
    Unit("12", "Lai Châu", "province", None, "current", "12"),
    Unit("03637", "Xã Mường Kim", "commune", "12", "current", "12"),
    Unit("01", "Thành phố Hà Nội", "province", None, "current", "01"),
    Unit("12", "Tỉnh Lai Châu", "province", None, "legacy", "12"),
    Unit("106", "Huyện Tam Đường", "district", "12", "legacy", "12"),
    Unit("02", "Tỉnh Hà Giang", "province", None, "legacy", "02"),
]
ADMIN = Principal("a-1", Role.ADMIN, "*")
LAI_CHAU_OFFICER = Principal("p-1", Role.PROVINCE_OFFICER, "12")
MUONG_KIM_OFFICER = Principal("c-1", Role.COMMUNE_OFFICER, "03637")
POLICE = Principal("x-1", Role.POLICE, "12")


class FakeCounts:
    """Answers 42 for anything and remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[CountRange] = []

    async def total(self, counts: CountRange) -> int:
        self.asked.append(counts)
        return 42


@pytest.fixture
def counts() -> FakeCounts:
    return FakeCounts()


@pytest.fixture
def queries(counts: FakeCounts) -> ReportingQueries:
    units, clock = FakeUnits(UNITS), FixedClock(datetime(2026, 12, 4, 9, tzinfo=UTC))
    return ReportingQueries(
        units, counts, FakeFacts(), FakeMarkets(), FakeTargets(), Authorizer(), clock
    )


async def test_the_value_is_asked_for_the_unit_over_the_whole_period(
    queries: ReportingQueries, counts: FakeCounts
) -> None:
    found = await queries.indicator_value(ADMIN, "workers_registered", "2026-Q4", "12", "current")

    assert found.value == 42
    assert found.unit.name == "Lai Châu"
    assert counts.asked == [
        CountRange("workers_registered", "current", "12", date(2026, 10, 1), date(2026, 12, 31))
    ]


async def test_a_commune_officer_may_read_the_commune_but_not_its_province(
    queries: ReportingQueries, counts: FakeCounts
) -> None:
    own = await queries.indicator_value(
        MUONG_KIM_OFFICER, "workers_registered", "2026", "03637", "current"
    )

    with pytest.raises(Forbidden):
        await queries.indicator_value(
            MUONG_KIM_OFFICER, "workers_registered", "2026", "12", "current"
        )
    assert own.value == 42
    assert len(counts.asked) == 1  # nothing was counted for the refused call


async def test_a_province_officer_may_not_read_another_province(queries: ReportingQueries) -> None:
    with pytest.raises(Forbidden):
        await queries.indicator_value(
            LAI_CHAU_OFFICER, "workers_registered", "2026", "01", "current"
        )


async def test_a_legacy_unit_is_in_the_scope_of_the_province_that_kept_its_code(
    queries: ReportingQueries,
) -> None:
    district = await queries.indicator_value(
        LAI_CHAU_OFFICER, "workers_registered", "2024", "106", "legacy"
    )

    assert district.unit.name == "Huyện Tam Đường"
    with pytest.raises(Forbidden):
        await queries.indicator_value(
            LAI_CHAU_OFFICER, "workers_registered", "2024", "02", "legacy"
        )


async def test_a_role_without_a_grant_on_indicators_reads_none(queries: ReportingQueries) -> None:
    with pytest.raises(Forbidden):
        await queries.indicator_value(POLICE, "workers_registered", "2026", "12", "current")


async def test_every_role_may_list_units(queries: ReportingQueries) -> None:
    communes = await queries.list_units(POLICE, "current", "12")

    assert [u.code for u in communes] == ["03637"]


async def test_each_error_names_the_input_it_is_about(queries: ReportingQueries) -> None:
    with pytest.raises(UnknownIndicator) as indicator:
        await queries.indicator_value(ADMIN, "nothing", "2026-13", "99", "current")
    with pytest.raises(InvalidPeriod) as period:
        await queries.indicator_value(ADMIN, "workers_registered", "2026-13", "99", "current")
    with pytest.raises(UnitNotFound) as unit:
        await queries.indicator_value(ADMIN, "workers_registered", "2026-11", "99", "current")
    with pytest.raises(UnitNotFound) as parent:
        await queries.list_units(ADMIN, "current", "99")
    with pytest.raises(UnitNotFound) as code:
        await queries.unit(ADMIN, "legacy", "03637")

    assert [e.value.field for e in (indicator, period, unit, parent, code)] == [
        "code",
        "period",
        "unit",
        "parent",
        "code",
    ]
