"""The PostgreSQL event store on the real server: the shared contract, the global order under
concurrent writers (no event skipped, streams in version order), its schema's guarantees and
the migration runner."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg
import pytest

from lmis_shared.events import RecordedEvent
from lmis_shared.eventstore import EventStore, WrongExpectedVersion
from lmis_shared.eventstore.postgres import MIGRATIONS, PostgresEventStore, create_pool
from lmis_shared.migrations import Migration, MigrationError, apply_migrations, quoted_schema
from tests.eventstore_contract import EventStoreContract, ctx, notes, numbers, versions


@pytest.fixture
async def store(pg_pool: asyncpg.Pool, fresh_schema: str) -> PostgresEventStore:
    await PostgresEventStore.migrate(pg_pool, fresh_schema)
    return PostgresEventStore(pg_pool, fresh_schema)


class TestPostgresEventStore(EventStoreContract):
    pass


# --- the global order ----------------------------------------------------------------------


@pytest.fixture
async def wide_pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """Room for every concurrent writer and the reader at once."""
    pool = await create_pool(database_url, min_size=2, max_size=24)
    yield pool
    await pool.close()


@dataclass
class Hammer:
    """Writers appending concurrently while one reader follows `read_all`."""

    store: PostgresEventStore
    pool: asyncpg.Pool
    writers: int = 20
    appends: int = 50
    streams: int = 40
    written: set[UUID] = field(default_factory=set)
    seen: list[RecordedEvent] = field(default_factory=list)
    reads_while_writing: int = 0

    async def run(self) -> None:
        ids = [uuid.uuid4() for _ in range(self.streams)]
        known: dict[UUID, int] = dict.fromkeys(ids, 0)
        done = asyncio.Event()
        reader = asyncio.create_task(self._read(done))
        await asyncio.gather(
            *(self._write(random.Random(w), ids, known) for w in range(self.writers))
        )
        done.set()
        await reader

    async def _write(self, rng: random.Random, ids: list[UUID], known: dict[UUID, int]) -> None:
        for i in range(self.appends):
            stream = rng.choice(ids)
            while True:
                try:
                    result = await self._append(rng, stream, known[stream], i % 2 == 0)
                except WrongExpectedVersion:
                    known[stream] = len(await self.store.read_stream(stream))
                    continue
                known[stream] = max(known[stream], result)
                break

    async def _append(self, rng: random.Random, stream: UUID, expected: int, slow: bool) -> int:
        events = notes(*range(rng.randint(1, 2)))
        if not slow:
            result = await self.store.append(stream, "note", expected, events, ctx())
        else:
            # the events get their sequence numbers now, and commit only after a pause in
            # which faster writers commit theirs: the classic sequence gap
            async with self.pool.acquire() as conn, conn.transaction():
                result = await self.store.append_in(conn, stream, "note", expected, events, ctx())
                await asyncio.sleep(rng.random() * 0.004)
        self.written.update(e.metadata.event_id for e in result.events)
        return result.new_version

    async def _read(self, done: asyncio.Event) -> None:
        after = None
        while True:
            finished = done.is_set()  # look before reading: an empty read after it is final
            page = await self.store.read_all(after, limit=37)
            self.seen.extend(page)
            if page:
                after = page[-1].position
                self.reads_while_writing += not finished
            elif finished:
                return
            else:
                await asyncio.sleep(0.001)


async def test_a_reader_of_the_global_order_sees_every_event_once_under_concurrent_writers(
    wide_pool: asyncpg.Pool, fresh_schema: str
) -> None:
    await PostgresEventStore.migrate(wide_pool, fresh_schema)
    hammer = Hammer(PostgresEventStore(wide_pool, fresh_schema), wide_pool)
    await hammer.run()
    seen_ids = [e.metadata.event_id for e in hammer.seen]
    assert hammer.reads_while_writing > 10  # the reader really raced the writers
    assert len(seen_ids) == len(set(seen_ids)), "an event was read twice"
    assert set(seen_ids) == hammer.written, "an event was skipped"
    per_stream: dict[UUID, list[int]] = defaultdict(list)
    for e in hammer.seen:
        per_stream[e.metadata.stream_id].append(e.metadata.stream_version)
    for seen_versions in per_stream.values():
        assert seen_versions == list(range(1, len(seen_versions) + 1))


async def test_read_all_waits_for_an_older_transaction_still_open(
    store: PostgresEventStore, pg_pool: asyncpg.Pool
) -> None:
    async with pg_pool.acquire() as slow:
        tx = slow.transaction()
        await tx.start()
        await store.append_in(slow, uuid.uuid4(), "note", 0, notes(1), ctx())
        await store.append(uuid.uuid4(), "note", 0, notes(2), ctx())  # commits first
        assert await store.read_all(None) == []  # 2 must wait: 1 may still commit before it
        await tx.commit()
    assert numbers(await store.read_all(None)) == [1, 2]


async def test_an_append_after_an_earlier_write_in_its_transaction_cannot_reorder_a_stream(
    store: PostgresEventStore, pg_pool: asyncpg.Pool
) -> None:
    stream = uuid.uuid4()
    await store.append(stream, "note", 0, notes(1), ctx())
    async with pg_pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await conn.execute("select pg_current_xact_id()")  # an xid taken early
        await store.append(stream, "note", 1, notes(2), ctx())  # a later xid commits version 2
        with pytest.raises(WrongExpectedVersion):
            await store.append_in(conn, stream, "note", 2, notes(3), ctx())
        await tx.rollback()
    assert versions(await store.read_stream(stream)) == [1, 2]
    assert numbers(await store.read_all(None)) == [1, 2]


async def test_an_append_in_a_callers_transaction_rolls_back_with_it(
    store: PostgresEventStore, pg_pool: asyncpg.Pool
) -> None:
    stream = uuid.uuid4()
    async with pg_pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await store.append_in(conn, stream, "note", 0, notes(1), ctx())
        await tx.rollback()
    assert await store.read_stream(stream) == []


# --- the schema ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "update {s}.events set actor = 'someone else'",
        "delete from {s}.events",
        "truncate {s}.events",
    ],
)
async def test_stored_events_cannot_be_changed_or_removed(
    store: PostgresEventStore, pg_pool: asyncpg.Pool, fresh_schema: str, sql: str
) -> None:
    stream = uuid.uuid4()
    await store.append(stream, "note", 0, notes(1), ctx())
    with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
        await pg_pool.execute(sql.format(s=quoted_schema(fresh_schema)))
    assert numbers(await store.read_stream(stream)) == [1]


async def test_a_transaction_left_idle_is_ended_by_the_server(
    database_url: str, pg_pool: asyncpg.Pool
) -> None:
    pool = await create_pool(database_url, idle_in_transaction_timeout="200ms")
    try:
        assert await pool.fetchval("show idle_in_transaction_session_timeout") == "200ms"
        conn = await pool.acquire()
        pid = conn.get_server_pid()
        await conn.execute("begin; select pg_current_xact_id()")  # would hold back every reader
        await asyncio.sleep(1.0)
        sessions = "select count(*) from pg_stat_activity where pid = $1"
        assert await pg_pool.fetchval(sessions, pid) == 0
        await pool.release(conn)
    finally:
        await pool.close()


# --- migrations ----------------------------------------------------------------------------

SCRIPTS = [
    Migration("svc/0001_things.sql", "create table things (id int primary key)"),
    Migration("svc/0002_names.sql", "alter table things add column name text"),
]


async def applied_names(pool: asyncpg.Pool, schema: str) -> list[str]:
    rows = await pool.fetch(f"select name from {quoted_schema(schema)}.schema_migrations")
    return sorted(r["name"] for r in rows)


async def test_migrations_apply_in_order_once(pg_pool: asyncpg.Pool, fresh_schema: str) -> None:
    assert await apply_migrations(pg_pool, fresh_schema, SCRIPTS) == [m.name for m in SCRIPTS]
    assert await apply_migrations(pg_pool, fresh_schema, SCRIPTS) == []
    await pg_pool.execute(f"insert into {fresh_schema}.things (id, name) values (1, 'x')")
    assert await applied_names(pg_pool, fresh_schema) == [m.name for m in SCRIPTS]


async def test_the_event_store_migrates_again_without_change(
    store: PostgresEventStore, pg_pool: asyncpg.Pool, fresh_schema: str
) -> None:
    await store.append(uuid.uuid4(), "note", 0, notes(1), ctx())
    assert await PostgresEventStore.migrate(pg_pool, fresh_schema) == []
    assert numbers(await store.read_all(None)) == [1]


async def test_concurrent_migrations_apply_each_script_once(
    pg_pool: asyncpg.Pool, fresh_schema: str
) -> None:
    runs = await asyncio.gather(
        *(PostgresEventStore.migrate(pg_pool, fresh_schema) for _ in range(4))
    )
    assert sorted(runs) == [[], [], [], [m.name for m in MIGRATIONS]]
    assert await applied_names(pg_pool, fresh_schema) == [m.name for m in MIGRATIONS]


async def test_a_script_changed_after_it_was_applied_is_refused(
    pg_pool: asyncpg.Pool, fresh_schema: str
) -> None:
    await apply_migrations(pg_pool, fresh_schema, SCRIPTS[:1])
    changed = Migration(SCRIPTS[0].name, "create table things (id bigint primary key)")
    with pytest.raises(MigrationError, match="changed"):
        await apply_migrations(pg_pool, fresh_schema, [changed])


async def test_a_failing_script_leaves_nothing_behind(
    pg_pool: asyncpg.Pool, fresh_schema: str
) -> None:
    broken = [SCRIPTS[0], Migration("svc/0002_broken.sql", "alter table nowhere add x int")]
    with pytest.raises(asyncpg.UndefinedTableError):
        await apply_migrations(pg_pool, fresh_schema, broken)
    exists = await pg_pool.fetchval(
        "select count(*) from pg_namespace where nspname = $1", fresh_schema
    )
    assert exists == 0


def test_a_schema_name_must_be_a_plain_identifier() -> None:
    with pytest.raises(ValueError, match="schema"):
        quoted_schema('x"; drop schema public; --')


async def test_stores_in_two_schemas_do_not_see_each_other(
    pg_pool: asyncpg.Pool, fresh_schema: str
) -> None:
    stores: list[EventStore] = []
    for schema in (fresh_schema, f"{fresh_schema}_b"):
        await PostgresEventStore.migrate(pg_pool, schema)
        stores.append(PostgresEventStore(pg_pool, schema))
    await stores[0].append(uuid.uuid4(), "note", 0, notes(1), ctx())
    assert await stores[1].read_all(None) == []
