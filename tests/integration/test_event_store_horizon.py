"""`read_all`'s horizon (lmis_shared.eventstore.horizon): it waits for every transaction that
may still append to the store (those that touched its schema), and only for those; a reader
racing concurrent appenders, next to writers of other schemas, still sees every event once and
each stream in version order."""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass
from uuid import UUID

import asyncpg
import pytest

from lmis_shared.eventstore.horizon import horizon
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.migrations import quoted_schema
from tests.eventstore_contract import ctx, notes, numbers
from tests.integration import test_event_store
from tests.integration.test_event_store import Hammer


@pytest.fixture
async def store(pg_pool: asyncpg.Pool, fresh_schema: str) -> PostgresEventStore:
    await PostgresEventStore.migrate(pg_pool, fresh_schema)
    await pg_pool.execute(f"create table {quoted_schema(fresh_schema)}.side (n int)")
    return PostgresEventStore(pg_pool, fresh_schema)


@pytest.fixture
async def elsewhere(pg_pool: asyncpg.Pool, fresh_schema: str) -> str:
    """A table of another schema: another service's read model, say."""
    other = quoted_schema(f"{fresh_schema}_other")
    await pg_pool.execute(f"create schema {other}; create table {other}.side (n int)")
    return f"{other}.side"


async def test_a_writer_of_another_schema_does_not_hold_the_store_back(
    store: PostgresEventStore, pg_pool: asyncpg.Pool, elsewhere: str
) -> None:
    async with pg_pool.acquire() as other:
        tx = other.transaction()
        await tx.start()
        await other.execute(f"insert into {elsewhere} values (1)")  # an id, older than the append
        await store.append(uuid.uuid4(), "note", 0, notes(1), ctx())
        # the cluster-wide rule (pg_snapshot_xmin) would wait for the other schema's writer
        assert await pg_pool.fetchval("select pg_snapshot_xmin(pg_current_snapshot())") <= (
            await other.fetchval("select pg_current_xact_id()")
        )
        assert numbers(await store.read_all(None)) == [1]
        await tx.rollback()


async def test_a_transaction_that_touched_the_schema_first_is_waited_for(
    store: PostgresEventStore, pg_pool: asyncpg.Pool, fresh_schema: str
) -> None:
    """A command's transaction: reads its stream, writes the schema (its id now), appends
    later. An append that commits meanwhile gets a later id and must wait behind it."""
    stream = uuid.uuid4()
    async with pg_pool.acquire() as slow:
        tx = slow.transaction()
        await tx.start()
        assert await slow.fetch(f"select 1 from {quoted_schema(fresh_schema)}.events") == []
        await slow.execute(f"insert into {quoted_schema(fresh_schema)}.side values (1)")
        await store.append(uuid.uuid4(), "note", 0, notes(2), ctx())  # commits first
        assert await store.read_all(None) == []  # the slow one may still append before it
        await store.append_in(slow, stream, "note", 0, notes(1), ctx())
        assert await store.read_all(None) == []
        await tx.commit()
    assert numbers(await store.read_all(None)) == [1, 2]


async def test_the_horizon_is_the_oldest_id_among_the_schemas_transactions(
    store: PostgresEventStore, pg_pool: asyncpg.Pool, fresh_schema: str, elsewhere: str
) -> None:
    side = f"{quoted_schema(fresh_schema)}.side"
    async with pg_pool.acquire() as a, pg_pool.acquire() as b, pg_pool.acquire() as c:
        for conn in (a, b, c):
            await conn.execute("begin")
        await a.execute(f"insert into {elsewhere} values (1)")  # oldest, but not the store's
        await b.execute(f"insert into {side} values (1)")
        await c.execute(f"insert into {side} values (1)")
        xid = "select pg_current_xact_id()::text::bigint"
        ids = [await conn.fetchval(xid) for conn in (a, b, c)]
        assert ids == sorted(ids)
        await pg_pool.execute(f"insert into {elsewhere} values (2)")  # the latest id to end
        assert await horizon(pg_pool, fresh_schema) == ids[1]
        await b.execute("rollback")
        assert await horizon(pg_pool, fresh_schema) == ids[2]
        await c.execute("commit")
        assert await horizon(pg_pool, fresh_schema) > ids[2]  # past every id the schema held
        await a.execute("rollback")


wide_pool = test_event_store.wide_pool  # the fixture: room for every writer and the reader


@dataclass
class CrowdedHammer(Hammer):
    """The hammer's slow appenders behave as commands do (read the stream, write the schema,
    then append, then pause), while writers of another schema hold ids all along."""

    side: str = ""
    elsewhere: str = ""

    async def _append(self, rng: random.Random, stream: UUID, expected: int, slow: bool) -> int:
        if not slow:
            return await super()._append(rng, stream, expected, slow)
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.fetch(f"select version from {self.side_events} where stream_id = $1", stream)
            await conn.execute(f"insert into {self.side} values (1)")  # the id taken here
            await asyncio.sleep(rng.random() * 0.004)  # later ids commit meanwhile
            result = await self.store.append_in(conn, stream, "note", expected, notes(1), ctx())
            await asyncio.sleep(rng.random() * 0.004)
        self.written.update(e.metadata.event_id for e in result.events)
        return result.new_version

    @property
    def side_events(self) -> str:
        return self.side.rsplit(".", 1)[0] + ".events"


async def test_concurrent_appenders_next_to_other_writers_lose_no_event(
    wide_pool: asyncpg.Pool, store: PostgresEventStore, fresh_schema: str, elsewhere: str
) -> None:
    """Fails if the horizon let the reader pass an appender still running: with the snapshot's
    xmax alone as the horizon, events committed late are skipped (tried)."""
    stop = asyncio.Event()

    async def other_writer(rng: random.Random) -> None:
        while not stop.is_set():
            async with wide_pool.acquire() as conn, conn.transaction():
                await conn.execute(f"insert into {elsewhere} values (1)")
                await asyncio.sleep(rng.random() * 0.01)

    others = [asyncio.create_task(other_writer(random.Random(i))) for i in range(3)]
    hammer = CrowdedHammer(
        PostgresEventStore(wide_pool, fresh_schema), wide_pool,
        side=f"{quoted_schema(fresh_schema)}.side", elsewhere=elsewhere,
    )  # fmt: skip
    try:
        await hammer.run()
    finally:
        stop.set()
        await asyncio.gather(*others)
    seen = [e.metadata.event_id for e in hammer.seen]
    assert hammer.reads_while_writing > 10  # the reader really raced the writers
    assert len(seen) == len(set(seen)), "an event was read twice"
    assert set(seen) == hammer.written, "an event was skipped"
    by_stream: dict[UUID, list[int]] = {}
    for e in hammer.seen:
        by_stream.setdefault(e.metadata.stream_id, []).append(e.metadata.stream_version)
    assert all(v == list(range(1, len(v) + 1)) for v in by_stream.values())
