"""Targets: which one applies to a value, how progress is measured, who may set one, and the
wire format of the event that records a change (locked by tests/golden/reporting/)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from lmis_reporting.application.targets import TargetCommands, target_body
from lmis_reporting.domain.catalogue import find_indicator
from lmis_reporting.domain.errors import InvalidTarget, UnitNotFound, UnknownIndicator
from lmis_reporting.domain.periods import parse_period
from lmis_reporting.domain.targets import (
    SetTarget,
    applicable,
    check_target,
    decide,
    evolve,
    met,
    progress,
    target_stream_id,
)
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.commands import CommandContext, EventStoreStreams, IdempotencyKeyReused
from lmis_shared.contracts.reporting import TargetComparison, TargetSet
from lmis_shared.errors import ConcurrencyConflict, Forbidden, PreconditionFailed
from lmis_shared.events import RecordedEvent
from lmis_shared.eventstore import InMemoryEventStore
from tests.unit.golden import assert_matches_golden_file, golden_path
from tests.unit.reporting_fakes import FakeTargets, FakeUnits, target

DEPARTED = find_indicator("departed")
SHARE = find_indicator("departed_high_income_share")
ABROAD = find_indicator("workers_abroad")
assert DEPARTED and SHARE and ABROAD  # noqa: PT018


# -- which target applies ---------------------------------------------------------------------


def test_a_yearly_target_applies_to_its_year_as_it_is() -> None:
    applied = applicable(target(450), DEPARTED, parse_period("2025"))

    assert applied is not None
    assert (applied.value, applied.basis) == (450, "year")


def test_a_flows_yearly_target_is_pro_rated_to_a_quarter_or_a_month() -> None:
    quarter = applicable(target(450), DEPARTED, parse_period("2025-Q2"))
    month = applicable(target(450), DEPARTED, parse_period("2025-02"))

    assert quarter is not None
    assert month is not None
    assert (quarter.value, quarter.basis) == (112.5, "pro_rated")
    assert month.value == 37.5


def test_a_share_or_a_stock_target_is_not_pro_rated() -> None:
    share = applicable(target(0.8, indicator=SHARE.code), SHARE, parse_period("2030-Q1"))
    stock = applicable(target(100, indicator=ABROAD.code), ABROAD, None)

    assert share is not None
    assert stock is not None
    assert (share.value, share.basis) == (0.8, "year")
    assert (stock.value, stock.basis) == (100, "year")


def test_a_target_over_several_years_applies_to_its_last_year_over_all_of_them() -> None:
    over_plan = target(200, year=2025, first_year=2023)

    applied = applicable(over_plan, DEPARTED, parse_period("2025"))

    assert applied is not None
    assert (applied.basis, applied.start, applied.end) == (
        "span",
        date(2023, 1, 1),
        date(2025, 12, 31),
    )
    assert applicable(over_plan, DEPARTED, parse_period("2025-Q4")) is None


def test_progress_is_the_value_over_the_target_and_none_without_one() -> None:
    assert progress(225, 450) == 0.5
    assert progress(None, 450) is None
    assert progress(3, 0) is None


def test_a_more_than_target_is_not_met_by_reaching_it_exactly() -> None:
    at_least = applicable(target(0.8, indicator=SHARE.code), SHARE, parse_period("2030"))
    more_than = applicable(
        target(0.8, indicator=SHARE.code, comparison=TargetComparison.more_than),
        SHARE,
        parse_period("2030"),
    )

    assert at_least is not None
    assert more_than is not None
    assert met(0.8, at_least) is True
    assert met(0.8, more_than) is False
    assert met(None, more_than) is None


@pytest.mark.parametrize(
    ("year", "first_year", "value", "field"),
    [
        (1850, 1850, 1, "year"),
        (2025, 2026, 1, "first_year"),
        (2025, 2023, -1, "value"),
    ],
)
def test_a_target_no_comparison_could_use_names_its_input(
    year: int, first_year: int, value: float, field: str
) -> None:
    with pytest.raises(InvalidTarget) as refused:
        check_target(DEPARTED, year, first_year, value)

    assert refused.value.field == field


def test_a_ratio_target_is_a_share_and_a_stock_target_covers_one_year() -> None:
    with pytest.raises(InvalidTarget, match="share"):
        check_target(SHARE, 2030, 2030, 80)
    with pytest.raises(InvalidTarget) as span:
        check_target(ABROAD, 2030, 2026, 100)

    assert span.value.field == "first_year"


# -- the event --------------------------------------------------------------------------------

EXAMPLE = TargetSet(
    indicator="departed",
    hierarchy="current",
    unit_code="12",
    year=2026,
    first_year=2026,
    value=750,
    comparison=TargetComparison.at_least,
    source="Chương trình hành động số 29-CTr/TU ngày 02/3/2023 của Tỉnh ủy Lai Châu",
)


def test_the_target_set_event_matches_its_golden_file() -> None:
    assert golden_path(EXAMPLE).name == "target_set_v1.json"
    assert_matches_golden_file(EXAMPLE)
    assert EXAMPLE.event_type == "lmis.reporting.target.set.v1"


def test_each_indicator_unit_and_year_has_its_own_target_stream() -> None:
    one = target_stream_id("departed", "current", "12", 2025)

    assert one == target_stream_id("departed", "current", "12", 2025)
    assert one != target_stream_id("departed", "current", "12", 2026)
    assert one != target_stream_id("departed", "legacy", "12", 2025)


# -- the aggregate ------------------------------------------------------------------------------


def test_a_target_decides_nothing_when_it_or_its_seed_already_says_what_is_asked() -> None:
    seed = target(450, year=2026)
    (event,) = decide(None, set_departed(800), indicator=DEPARTED)
    state = evolve(None, event, uuid4()).with_version(1)

    assert decide(state, set_departed(800), indicator=DEPARTED) == []
    assert (
        decide(
            None, replace(set_departed(450), source=seed.source), indicator=DEPARTED, seeded=seed
        )
        == []
    )
    assert decide(state, set_departed(900), indicator=DEPARTED) != []


# -- setting one, on fakes --------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


@pytest.fixture
def rows() -> FakeTargets:
    return FakeTargets()


@pytest.fixture
def commands(rows: FakeTargets, store: InMemoryEventStore) -> TargetCommands:
    streams = EventStoreStreams(store, rows)
    return TargetCommands(FakeUnits(), rows, streams, Authorizer(), FixedClock(NOW))


def caller(
    role: Role, scope: str, key: str | None = None, if_match: int | None = None
) -> CommandContext:
    return CommandContext(Principal("officer-7", role, scope), uuid4(), None, key, if_match)


def set_departed(value: float, unit: str = "12") -> SetTarget:
    return SetTarget("departed", "current", unit, 2026, value, source="Kế hoạch 2026")


async def recorded(store: InMemoryEventStore) -> list[RecordedEvent]:
    return await store.read_all(None, 100)


async def test_a_province_officer_sets_a_target_and_the_change_is_recorded_with_the_officer(
    commands: TargetCommands, rows: FakeTargets, store: InMemoryEventStore
) -> None:
    stored = await commands.set_target(caller(Role.PROVINCE_OFFICER, "12"), set_departed(800))

    (event,) = await recorded(store)
    body = stored.body
    assert (body["value"], body["set_by"], body["set_at"], body["version"]) == (
        800,
        "officer-7",
        NOW.isoformat(),
        1,
    )
    assert target_body(await rows.find("departed", "current", "12", 2026)) == body
    assert isinstance(event.payload(), TargetSet)
    assert (event.metadata.actor, event.metadata.recorded_at) == ("officer-7", NOW)
    assert event.metadata.source == "/lmis/reporting"


async def test_setting_a_target_to_what_it_already_says_records_nothing(
    commands: TargetCommands, store: InMemoryEventStore
) -> None:
    officer = caller(Role.PROVINCE_OFFICER, "12")
    await commands.set_target(officer, set_departed(800))

    again = await commands.set_target(officer, set_departed(800))
    changed = await commands.set_target(officer, set_departed(900))

    assert (again.version, again.body["set_by"]) == (1, "officer-7")
    assert changed.version == 2
    assert [e.data["value"] for e in await recorded(store)] == [800, 900]


async def test_a_seeded_target_set_to_what_it_says_stays_the_seed_until_it_changes(
    rows: FakeTargets, store: InMemoryEventStore, commands: TargetCommands
) -> None:
    seed = replace(target(450, year=2026), source="Kế hoạch 2026")
    rows.rows[("departed", "current", "12", 2026)] = seed
    officer = caller(Role.PROVINCE_OFFICER, "12")

    same = await commands.set_target(officer, set_departed(450))
    changed = await commands.set_target(officer, set_departed(500))

    assert same.body == target_body(seed)
    assert (changed.version, changed.body["set_by"]) == (1, "officer-7")
    assert [e.data["value"] for e in await recorded(store)] == [500]


async def test_a_repeated_idempotency_key_answers_the_first_answer_again(
    commands: TargetCommands, store: InMemoryEventStore
) -> None:
    first = await commands.set_target(caller(Role.ADMIN, "*", key="k-1"), set_departed(800))
    again = await commands.set_target(caller(Role.ADMIN, "*", key="k-1"), set_departed(800))

    with pytest.raises(IdempotencyKeyReused):
        await commands.set_target(caller(Role.ADMIN, "*", key="k-1"), set_departed(900))
    assert again.replayed
    assert again.body == first.body
    assert len(await recorded(store)) == 1


async def test_a_stale_if_match_is_refused(commands: TargetCommands) -> None:
    await commands.set_target(caller(Role.ADMIN, "*"), set_departed(800))

    with pytest.raises(PreconditionFailed):
        await commands.set_target(caller(Role.ADMIN, "*", if_match=7), set_departed(900))


async def test_a_commune_officer_or_another_province_may_not_set_a_target(
    commands: TargetCommands, store: InMemoryEventStore
) -> None:
    with pytest.raises(Forbidden):
        await commands.set_target(caller(Role.COMMUNE_OFFICER, "03637"), set_departed(5, "03637"))
    with pytest.raises(Forbidden):
        await commands.set_target(caller(Role.PROVINCE_OFFICER, "01"), set_departed(5))

    assert await recorded(store) == []


async def test_a_change_that_lost_a_race_is_a_conflict(
    commands: TargetCommands, rows: FakeTargets, store: InMemoryEventStore
) -> None:
    officer = caller(Role.ADMIN, "*")
    await commands.set_target(officer, set_departed(800))
    rows.reads_lag = True  # the row read says no stream yet: the append finds one

    with pytest.raises(ConcurrencyConflict):
        await commands.set_target(officer, set_departed(900))
    assert len(await recorded(store)) == 1


async def test_each_refusal_names_the_input_it_is_about(commands: TargetCommands) -> None:
    admin = caller(Role.ADMIN, "*")
    with pytest.raises(UnknownIndicator) as indicator:
        await commands.set_target(admin, replace(set_departed(1), indicator="nothing"))
    with pytest.raises(UnitNotFound) as unit:
        await commands.set_target(admin, set_departed(1, "99"))
    with pytest.raises(InvalidTarget) as value:
        await commands.set_target(admin, set_departed(-1))

    assert [e.value.field for e in (indicator, unit, value)] == [
        "indicator",
        "target_unit",
        "value",
    ]
