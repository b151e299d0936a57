"""Rebuilding the indicator projection in memory and swapping it in (`rebuild_projection`), on
the real PostgreSQL: the rebuilt tables and positions are those live processing made, and
events that arrive while the rebuild runs (some already applied by the live processor to the
old tables, some not yet) count exactly once after the swap; the same with the first replay
split by stream over two processes (`replay_parts.py`)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.adapters.replica import IndicatorReplica
from lmis_shared.events import RecordedEvent
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.processing.rebuilding import rebuild_projection
from tests.conftest import unique
from tests.integration.reporting_schema import indicator_tables
from tests.integration.test_indicators_projection import (
    append,
    in_batches,
    recorded,
    scenario,
    straight_count,
    tables,
    totals,
)
from tests.unit import test_indicator_rules as example

pytestmark = pytest.mark.integration

NAME = IndicatorProjection.name


async def positions(pool: asyncpg.Pool, schema: str) -> dict[UUID, int]:
    rows = await pool.fetch(
        f"SELECT stream_id, version FROM {schema}.projection_positions WHERE projection = $1",
        NAME,
    )
    return {r["stream_id"]: r["version"] for r in rows}


async def history(pool: asyncpg.Pool, schema: str) -> tuple[list[Any], list[Any]]:
    """What was known at the end of each day (asof's tables), in a stable order."""
    recorded = await pool.fetch(
        f"SELECT * FROM {schema}.indicator_counts_recorded ORDER BY 1, 2, 3, 4, 5, 6"
    )
    facts = await pool.fetch(f"SELECT * FROM {schema}.stream_facts_history ORDER BY 1, 2")
    return [tuple(r) for r in recorded], [tuple(r) for r in facts]


@pytest.fixture
async def schema(pg_pool: asyncpg.Pool, fresh_schema: str) -> AsyncIterator[str]:
    async with indicator_tables(pg_pool, fresh_schema) as name:
        yield name


class Store(PostgresEventStore):
    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        super().__init__(pool, schema)
        self.schema = schema


@pytest.fixture
async def stores(pg_pool: asyncpg.Pool) -> AsyncIterator[list[Store]]:
    """Two event stores (a stream lives in one), as reporting replays registry's and permits'."""
    names = [unique("t_store"), unique("t_store")]
    for name in names:
        await PostgresEventStore.migrate(pg_pool, name)
    yield [Store(pg_pool, name) for name in names]
    for name in names:
        await pg_pool.execute(f"DROP SCHEMA {name} CASCADE")


async def append_spread(stores: list[Store], events: Sequence[RecordedEvent]) -> None:
    """The streams spread over the stores, each stream whole in one."""
    for n, store in enumerate(stores):
        await append(store, [e for e in events if e.metadata.stream_id.int % len(stores) == n])


SPLIT = pytest.mark.parametrize("processes", [1, 2], ids=["one_process", "two_processes"])


@SPLIT
async def test_the_rebuilt_tables_and_positions_are_those_live_processing_made(
    pg_pool: asyncpg.Pool, schema: str, stores: list[Store], database_url: str, processes: int
) -> None:
    events = scenario(seed=11)
    projection = IndicatorProjection(pg_pool, schema)
    await in_batches(projection, events, 9)
    live, live_positions = await tables(pg_pool, schema), await positions(pg_pool, schema)
    live_history = await history(pg_pool, schema)
    await append_spread(stores, events)
    # the live tables went wrong (a bug, a rule changed): the rebuild keeps nothing of them
    await pg_pool.execute(f"UPDATE {schema}.indicator_counts SET value = value + 1")
    await pg_pool.execute(f"DELETE FROM {schema}.stream_facts WHERE commune_code = '03637'")
    await pg_pool.execute(f"DELETE FROM {schema}.projection_positions WHERE version > 2")
    await pg_pool.execute(
        f"INSERT INTO {schema}.indicator_counts"
        " VALUES ('departed', '99999', '2020-01-01', '', '', 7)"
    )

    applied = await rebuild_projection(
        pg_pool, schema, NAME, projection.event_types, IndicatorReplica(),
        [s.schema for s in stores], chunk=23, processes=processes, dsn=database_url,
    )  # fmt: skip

    assert applied == len(events)
    assert await tables(pg_pool, schema) == live
    assert await positions(pg_pool, schema) == live_positions
    assert await history(pg_pool, schema) == live_history
    assert await totals(pg_pool, schema) == straight_count(events)


def later_events(events: Sequence[RecordedEvent], rnd: random.Random) -> list[RecordedEvent]:
    """New streams, and the next events of streams the store already holds."""
    last: dict[UUID, RecordedEvent] = {e.metadata.stream_id: e for e in events}
    workers = [e for e in last.values() if e.metadata.event_type.endswith("worker.registered.v1")]
    more = [recorded(w.metadata.stream_id, 2, example.moved("03643")) for w in workers[:6]]
    for n in range(6):
        stream = uuid4()
        more += [
            recorded(stream, 1, example.registered("03640", date(2026, 3, n + 1))),
            recorded(stream, 2, example.contract("KR", date(2026, 5, 2))),
        ]
    rnd.shuffle(more)
    return sorted(more, key=lambda e: e.metadata.stream_version)  # a stream's in order


def next_events(events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
    """The third event of every stream of `events` (which all have two): a contract after a
    move, a departure after a contract."""
    last: dict[UUID, RecordedEvent] = {e.metadata.stream_id: e for e in events}
    return [
        recorded(s, 3, example.departed(date(2026, 9, 1)))
        if e.metadata.event_type.endswith("contract_signed.v1")
        else recorded(s, 3, example.contract("JP", date(2026, 6, 1)))
        for s, e in last.items()
    ]


@SPLIT
async def test_events_arriving_during_a_rebuild_count_exactly_once_after_the_swap(
    pg_pool: asyncpg.Pool, schema: str, stores: list[Store], database_url: str, processes: int
) -> None:
    rnd = random.Random(4)
    events = scenario(seed=12)
    projection = IndicatorProjection(pg_pool, schema)
    await in_batches(projection, events, 11)
    await append_spread(stores, events)
    arriving = later_events(events, rnd)
    assert len({e.metadata.stream_id for e in arriving}) > 6
    late = next_events(arriving)
    delivered = 0  # the live processor gets each event once, in order, as Kafka gives them

    async def deliver(upto: int) -> None:
        nonlocal delivered
        await in_batches(projection, [*arriving, *late][delivered:upto], 2)
        delivered = max(delivered, upto)

    chunks: list[int] = []

    async def live_traffic() -> None:
        """Between two chunks: new events committed; the live processor applies part of
        them to the old tables (it lags), the rest after the swap."""
        chunks.append(1)
        if len(chunks) <= 3:
            done = (len(chunks) - 1) * 6
            await append_spread(stores, arriving[done : done + 6])
            await deliver(done + 3)

    async def traffic_after_staging() -> None:
        """Once the rows are staged: more events, some applied to the old tables at once; the
        swap's own replay must take them, or they are lost (Kafka will not give them again)."""
        await append_spread(stores, late)
        await deliver(len(arriving) + 5)

    await rebuild_projection(
        pg_pool, schema, NAME, projection.event_types, IndicatorReplica(),
        [s.schema for s in stores], chunk=40 // processes, between_chunks=live_traffic,
        before_swap=traffic_after_staging, processes=processes, dsn=database_url,
    )  # fmt: skip
    await deliver(len(arriving) + len(late))  # what the live processor had not had yet
    arriving += late

    assert len(chunks) > 3, "the rebuild ran in chunks, with traffic between them"
    assert await totals(pg_pool, schema) == straight_count([*events, *arriving])
    everything = unique("t_live")
    async with indicator_tables(pg_pool, everything):
        await in_batches(IndicatorProjection(pg_pool, everything), [*events, *arriving], 17)
        expected: Any = (await tables(pg_pool, everything), await positions(pg_pool, everything))
    assert (await tables(pg_pool, schema), await positions(pg_pool, schema)) == expected


@SPLIT
@pytest.mark.parametrize("live_begins", [False, True], ids=["quiet", "live_begins"])
async def test_a_first_build_is_what_live_processing_makes(
    pg_pool: asyncpg.Pool, schema: str, stores: list[Store], database_url: str, processes: int,
    live_begins: bool,
) -> None:  # fmt: skip
    """Nothing applied yet: the rows go straight into the live tables. If the live processor
    began meanwhile (events applied before the swap), the stage and its diff after all."""
    events = scenario(seed=13)
    await append_spread(stores, events)
    projection = IndicatorProjection(pg_pool, schema)
    arriving = later_events(events, random.Random(5)) if live_begins else []

    async def live_processor_begins() -> None:
        await append_spread(stores, arriving)
        await in_batches(projection, arriving[:4], 2)

    await rebuild_projection(
        pg_pool, schema, NAME, projection.event_types, IndicatorReplica(),
        [s.schema for s in stores], chunk=31, before_swap=live_processor_begins,
        processes=processes, dsn=database_url,
    )  # fmt: skip
    await in_batches(projection, arriving[4:], 3)

    everything = unique("t_live")
    async with indicator_tables(pg_pool, everything):
        await in_batches(IndicatorProjection(pg_pool, everything), [*events, *arriving], 17)
        expected: Any = (
            await tables(pg_pool, everything),
            await positions(pg_pool, everything),
            await history(pg_pool, everything),
        )
    assert (
        await tables(pg_pool, schema),
        await positions(pg_pool, schema),
        await history(pg_pool, schema),
    ) == expected
    assert await totals(pg_pool, schema) == straight_count([*events, *arriving])
