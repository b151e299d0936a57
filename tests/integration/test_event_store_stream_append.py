"""The single-stream append of the PostgreSQL store (one INSERT that checks the version itself):
it keeps a cached plan, it explains every refusal without a second connection, a writer that
loses the race for a version learns the version that won, and it is a span of the command."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from lmis_shared.eventstore import (
    DuplicateCommand,
    DuplicateEventId,
    WrongExpectedVersion,
    postgres,
)
from lmis_shared.eventstore.postgres import PostgresEventStore, create_pool
from tests.eventstore_contract import ctx, key_record, notes, numbers

PLAN_COUNTS = (
    "select generic_plans, custom_plans from pg_prepared_statements"
    " where statement like '%unnest(%' and statement not like '%pg_prepared_statements%'"
    " order by statement"
)


@pytest.fixture
async def store(pg_pool: asyncpg.Pool, fresh_schema: str) -> PostgresEventStore:
    await PostgresEventStore.migrate(pg_pool, fresh_schema)
    return PostgresEventStore(pg_pool, fresh_schema)


@pytest.fixture
async def pool_of_one(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, min_size=1, max_size=1)
    yield pool
    await pool.close()


async def test_the_append_statement_keeps_one_generic_plan_after_warming_up(
    store: PostgresEventStore, pg_pool: asyncpg.Pool
) -> None:
    # PostgreSQL plans a prepared statement afresh for its first 5 runs, then switches to a
    # generic plan if that is estimated no dearer: planning every run would cost more than
    # the insert itself
    async with pg_pool.acquire() as conn:
        for keyed in (False, True):
            for _ in range(8):
                key = key_record(f"k-{uuid.uuid4()}") if keyed else None
                await store.append_in(
                    conn, uuid.uuid4(), "note", 0, notes(1), ctx(), idempotency=key
                )
        counts = [(r["generic_plans"], r["custom_plans"]) for r in await conn.fetch(PLAN_COUNTS)]
    assert len(counts) == 2  # the statement without a key, and the one with
    assert all(generic >= 3 and custom <= 5 for generic, custom in counts), counts


async def test_every_refusal_is_explained_on_a_pool_of_one_connection(
    pool_of_one: asyncpg.Pool, fresh_schema: str
) -> None:
    # the explanation is looked up on the writer's own connection: a second checkout from a
    # pool of one would wait for ever
    await PostgresEventStore.migrate(pool_of_one, fresh_schema)
    store = PostgresEventStore(pool_of_one, fresh_schema)
    stream = uuid.uuid4()
    [first] = notes(1)
    await store.append(stream, "note", 0, [first], ctx(), idempotency=key_record("k-1"))
    async with asyncio.timeout(10):
        with pytest.raises(DuplicateCommand):
            await store.append(stream, "note", 1, notes(2), ctx(), idempotency=key_record("k-1"))
        with pytest.raises(WrongExpectedVersion) as caught:
            await store.append(stream, "note", 0, notes(2), ctx())
        with pytest.raises(DuplicateEventId) as duplicate:
            await store.append(uuid.uuid4(), "note", 0, [first], ctx())
    assert caught.value.actual_version == 1
    assert duplicate.value.event_id == first.event_id
    assert numbers(await store.read_stream(stream)) == [1]


async def _waits_for_a_lock(pool: asyncpg.Pool, pid: int) -> None:
    waiting = "select wait_event_type = 'Lock' from pg_stat_activity where pid = $1"
    for _ in range(1000):
        if await pool.fetchval(waiting, pid):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the second writer never waited for the first")


@pytest.mark.parametrize("in_callers_transaction", [False, True])
async def test_a_writer_that_loses_the_race_for_a_version_learns_the_winning_version(
    store: PostgresEventStore, pg_pool: asyncpg.Pool, in_callers_transaction: bool
) -> None:
    stream = uuid.uuid4()
    async with pg_pool.acquire() as winner, pg_pool.acquire() as loser:
        first = winner.transaction()
        await first.start()
        await store.append_in(winner, stream, "note", 0, notes(1), ctx())  # not committed yet

        async def lose() -> None:
            # saw no version yet, so it inserts version 1 and waits for the winner's row
            if not in_callers_transaction:
                await store.append_in(loser, stream, "note", 0, notes(2), ctx())
                return
            async with loser.transaction():  # the violation aborts it: look elsewhere
                await store.append_in(loser, stream, "note", 0, notes(2), ctx())

        racing = asyncio.create_task(lose())
        await _waits_for_a_lock(pg_pool, loser.get_server_pid())
        await first.commit()
        with pytest.raises(WrongExpectedVersion) as caught:
            await racing
    assert caught.value.actual_version == 1
    assert numbers(await store.read_stream(stream)) == [1]


async def test_an_append_is_a_client_span_of_the_command_with_ids_and_counts_only(
    store: PostgresEventStore, fresh_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    monkeypatch.setattr(postgres, "_tracer", tracer)
    stream = uuid.uuid4()

    with tracer.start_as_current_span("command") as command:
        await store.append(stream, "note", 0, notes(1, 2), ctx())
        with pytest.raises(WrongExpectedVersion):
            await store.append(stream, "note", 0, notes(3), ctx())

    appended, refused, _ = exporter.get_finished_spans()
    for span in (appended, refused):
        assert (span.name, span.kind) == ("eventstore.append", SpanKind.CLIENT)
        assert span.parent is not None
        assert span.parent.span_id == command.get_span_context().span_id
    assert dict(appended.attributes or {}) == {
        "db.system": "postgresql",
        "db.namespace": fresh_schema,
        "lmis.stream_type": "note",
        "lmis.event_count": 2,
    }
    assert appended.status.status_code == StatusCode.UNSET
    assert refused.status.status_code == StatusCode.ERROR
    assert [e.name for e in refused.events] == ["exception"]
