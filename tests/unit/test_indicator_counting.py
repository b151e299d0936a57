"""The counting use case on in-memory ports: a batch of new events folded into the stored
facts of their streams and counted with them, as the projection does in one transaction."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from lmis_reporting.application.counting import Tally, _increments, count, tally
from lmis_reporting.application.ports import RecordedIncrement, StreamEvent
from lmis_reporting.domain.facts import WorkerFacts, evolve
from lmis_reporting.domain.indicators import TOTAL, Increment, increments, merge
from lmis_shared.events import EventPayload
from tests.unit.reporting_fakes import MemoryCounts, MemoryFacts
from tests.unit.test_indicator_rules import (
    KHOEN_ON,
    MUONG_KIM,
    contract,
    departed,
    enrolled,
    fold,
    loan_applied,
    registered,
    repaid,
    totals,
)


@pytest.fixture
def facts() -> MemoryFacts:
    return MemoryFacts()


@pytest.fixture
def counts() -> MemoryCounts:
    return MemoryCounts()


def on(stream: UUID, *events: EventPayload) -> list[StreamEvent]:
    return [StreamEvent(stream, e.stream_type, e) for e in events]


async def test_a_batch_counts_what_folding_each_stream_alone_counts(
    facts: MemoryFacts, counts: MemoryCounts
) -> None:
    worker = [registered(MUONG_KIM), contract("KR"), departed(date(2026, 8, 20))]
    loan = [loan_applied(KHOEN_ON), repaid(date(2026, 2, 1), 1_000_000)]
    one, two = uuid4(), uuid4()

    await count([*on(one, *worker), *on(two, *loan)], facts, counts)

    worker_facts, worker_counts = fold(worker)
    loan_facts, loan_counts = fold(loan)
    assert facts.streams == {one: ("worker", worker_facts), two: ("loan", loan_facts)}
    assert sorted(counts.rows, key=str) == sorted(merge(worker_counts + loan_counts), key=str)


async def test_a_later_batch_counts_with_the_facts_an_earlier_one_stored(
    facts: MemoryFacts, counts: MemoryCounts
) -> None:
    stream = uuid4()
    await count(on(stream, registered(KHOEN_ON)), facts, counts)

    await count(on(stream, contract("JP"), departed(date(2026, 8, 20))), facts, counts)

    (departure,) = totals(counts.rows, "departed")
    assert (departure.unit_code, departure.period) == (KHOEN_ON, date(2026, 8, 1))
    stored = facts.streams[stream][1]
    assert isinstance(stored, WorkerFacts)
    assert stored.destination_country == "JP"


async def test_only_streams_whose_facts_changed_are_written_back(
    facts: MemoryFacts, counts: MemoryCounts
) -> None:
    stream = uuid4()
    await count(on(stream, registered()), facts, counts)
    await count(on(stream, enrolled()), facts, counts)  # counted, but no fact of the stream

    assert facts.saved[-1] == {}
    assert totals(counts.added[-1], "enrolled_in_training") != []


async def test_a_batchs_increments_are_added_once_per_row(
    facts: MemoryFacts, counts: MemoryCounts
) -> None:
    batch = [e for _ in range(3) for e in on(uuid4(), registered(MUONG_KIM, date(2026, 2, 3)))]

    await count(batch, facts, counts)

    (added,) = counts.added
    assert totals(added) == [
        Increment("workers_registered", MUONG_KIM, date(2026, 2, 1), TOTAL, TOTAL, 3)
    ]


async def test_a_stream_whose_first_event_never_came_counts_in_no_unit(
    facts: MemoryFacts, counts: MemoryCounts
) -> None:
    await count(on(uuid4(), departed(date(2026, 8, 20))), facts, counts)

    assert [(i.unit_code, i.delta) for i in totals(counts.rows, "departed")] == [("", 1)]


# -- what was known at the end of each recorded day -------------------------------------------


def tally_of(*dated: tuple[EventPayload, date]) -> Tally:
    stream = UUID(int=1)
    return tally([StreamEvent(stream, e.stream_type, e, day) for e, day in dated], {})


def test_a_streams_facts_are_kept_as_they_stood_at_the_end_of_each_recorded_day() -> None:
    jan, feb = date(2026, 1, 5), date(2026, 2, 9)

    found = tally_of(
        (registered(MUONG_KIM), jan), (contract("KR"), jan), (departed(date(2026, 1, 20)), feb)
    )

    assert [(v.known_from, type(v.facts)) for v in found.versions] == [
        (jan, WorkerFacts),
        (feb, WorkerFacts),
    ]
    first, second = (v.facts for v in found.versions)
    assert isinstance(first, WorkerFacts)
    assert isinstance(second, WorkerFacts)
    assert (first.destination_country, first.departed_on) == ("KR", None)
    assert second.departed_on == date(2026, 1, 20)


def test_increments_are_kept_per_recorded_day_and_add_up_to_the_counts() -> None:
    jan, mar = date(2026, 1, 5), date(2026, 3, 2)

    found = tally_of((registered(MUONG_KIM, date(2026, 1, 3)), jan), (departed(jan), mar))

    by_day: dict[tuple[str, date], int] = {}
    for r in found.recorded:
        if r.increment.dimension == TOTAL:
            key = (r.increment.indicator, r.recorded_on)
            by_day[key] = by_day.get(key, 0) + r.increment.delta
    assert by_day == {
        ("workers_registered", jan): 1,
        ("departed", mar): 1,
        ("jobs_created", mar): 1,
    }
    assert sorted((r.increment.key, r.increment.delta) for r in found.recorded) == sorted(
        (i.key, i.delta) for i in found.increments
    )


def test_events_with_no_recorded_day_keep_no_history() -> None:
    found = tally(on(uuid4(), registered(MUONG_KIM), departed()), {})

    assert (found.versions, found.recorded) == ([], [])
    assert found.increments


def test_a_batchs_rows_are_the_merged_increments_of_its_events_in_order() -> None:
    # `tally` sums the deltas per row as they come; the rows, their order and their sums are
    # what merging the batch's increments makes, in total and per recorded day
    jan, feb = date(2026, 1, 5), date(2026, 2, 9)
    streams = [uuid4() for _ in range(3)]
    batch = [
        StreamEvent(streams[0], "worker", registered(MUONG_KIM), jan),
        StreamEvent(streams[1], "worker", registered(MUONG_KIM), jan),
        StreamEvent(streams[2], "loan", loan_applied(KHOEN_ON), None),
        StreamEvent(streams[0], "worker", contract("KR"), feb),
        StreamEvent(streams[1], "worker", contract("JP"), jan),
        StreamEvent(streams[0], "worker", departed(date(2026, 2, 1)), feb),
        StreamEvent(streams[2], "loan", repaid(date(2026, 2, 1), 1_000_000), feb),
        StreamEvent(streams[1], "worker", departed(date(2026, 1, 20)), feb),
    ]

    found = tally(batch, {})

    every: list[Increment] = []
    by_day: dict[date, list[Increment]] = {}
    facts: dict[UUID, Any] = {}
    for e in batch:
        facts[e.stream_id] = evolve(facts.get(e.stream_id), e.payload)
        counted = increments(e.payload, facts[e.stream_id])
        every.extend(counted)
        if e.recorded_on is not None and counted:
            by_day.setdefault(e.recorded_on, []).extend(counted)
    assert found.increments == merge(every)
    assert found.recorded == [
        RecordedIncrement(day, item) for day, items in by_day.items() for item in merge(items)
    ]
    assert len(found.increments) < len(every)  # some rows were summed


def test_a_row_whose_deltas_cancel_out_is_left_out() -> None:
    up = Increment("i", "u", date(2026, 1, 1), TOTAL, TOTAL, 2)
    down = Increment("i", "u", date(2026, 1, 1), TOTAL, TOTAL, -2)
    kept = Increment("i", "v", date(2026, 1, 1), TOTAL, TOTAL, 1)

    assert _increments({up.key: 2 - 2, kept.key: 1}) == merge([up, down, kept]) == [kept]
