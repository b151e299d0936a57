"""The relay wakes on commit (LISTEN/NOTIFY), and its poll stays the fallback.

Every relay here polls only every 30 s (`SLOW_POLL`) unless a test says otherwise, and every
wait for an event to be published gives up after `BEFORE_THE_POLL` (10 s): an event that
arrives in time arrived because the commit woke the relay, not because the poll came round.
No assertion is about speed beyond that.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.migrations import quoted_schema
from lmis_shared.relay import (
    KafkaPublisher,
    PostgresCheckpoints,
    PostgresRelayLock,
    Relay,
    RelaySettings,
    build_relay,
    migrate,
)
from lmis_shared.relay.wakeup import PostgresCommitListener
from tests.integration.test_relay import append, checkpoints, schema, topic
from tests.integration.worker_api import running_api

__all__ = ["schema", "topic"]  # the fixtures this module shares with test_relay

pytestmark = pytest.mark.integration

SLOW_POLL = RelaySettings(poll_interval=30, kafka_timeout=1, retry_initial=0.1, retry_max=0.5)
BEFORE_THE_POLL = 10.0
LISTENING = (
    "select pid from pg_stat_activity where application_name = 'lmis-relay-listen'"
    " and query like 'LISTEN %' || $1 || '%'"
)


async def within(seconds: float, condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait for `condition` at most `seconds`; a guard, not a measure of speed."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {seconds} s")
        await asyncio.sleep(0.02)


@pytest.fixture
async def running() -> AsyncIterator[Callable[[Relay], None]]:
    """Runs relays until the test ends, then stops and closes them."""
    stop = asyncio.Event()
    started: list[tuple[Relay, asyncio.Task[None]]] = []

    def start(relay: Relay) -> None:
        started.append((relay, asyncio.create_task(relay.run(stop))))

    yield start
    stop.set()
    for relay, task in started:
        await task
        await relay.close()


def published_through(pool: asyncpg.Pool, schema: str, position: object) -> Any:
    async def check() -> bool:
        return list((await checkpoints(pool, schema)).values()) == [position]

    return check


async def listening(pool: asyncpg.Pool, schema: str) -> set[int]:
    """The sessions listening for the commits of `schema`'s store."""
    return {r["pid"] for r in await pool.fetch(LISTENING, schema)}


async def settled(pool: asyncpg.Pool, schema: str, relay: Relay) -> PostgresEventStore:
    """A store with one event the relay has published, and the relay listening: from here on
    it sleeps in its 30 s poll unless a commit wakes it."""
    store = PostgresEventStore(pool, schema)
    first = await append(store, uuid4())
    await within(BEFORE_THE_POLL, published_through(pool, schema, first[-1].position))

    async def listens() -> bool:
        return bool(await listening(pool, schema))

    await within(BEFORE_THE_POLL, listens)
    return store


SettledRelay = tuple[Relay, PostgresEventStore]


async def slow_polling_relay(
    pool: asyncpg.Pool, database_url: str, bootstrap: str, schema: str, topic: str,
    running: Callable[[Relay], None],
) -> SettledRelay:  # fmt: skip
    """A relay of `schema` polling every 30 s, running and `settled`, and the store it reads."""
    relay = build_relay(
        pool, schema, bootstrap=bootstrap, topic=topic, database_url=database_url,
        settings=SLOW_POLL,
    )  # fmt: skip
    running(relay)
    return relay, await settled(pool, schema, relay)


@pytest.fixture
async def slow_relay(
    pg_pool: asyncpg.Pool, database_url: str, kafka_bootstrap: str, schema: str, topic: str,
    running: Callable[[Relay], None],
) -> SettledRelay:  # fmt: skip
    """`slow_polling_relay` on the test's own schema and topic."""
    return await slow_polling_relay(pg_pool, database_url, kafka_bootstrap, schema, topic, running)


async def test_a_commit_wakes_the_relay_long_before_its_poll(
    pg_pool: asyncpg.Pool, schema: str, slow_relay: SettledRelay
) -> None:
    relay, store = slow_relay

    # two in a row: the round the relay makes when it starts listening can take one, not both
    for _ in range(2):
        events = await append(store, uuid4(), 2)
        await within(BEFORE_THE_POLL, published_through(pg_pool, schema, events[-1].position))
    assert relay.stats.published == 5


async def test_a_commit_held_back_by_an_older_transaction_is_published_once_it_ends(
    pg_pool: asyncpg.Pool, schema: str, slow_relay: SettledRelay
) -> None:
    relay, store = slow_relay
    older = await pg_pool.acquire()
    try:
        # a transaction that touched the store's schema and has an id, older than the
        # append: it may still append, so the relay may not read past it (horizon.py)
        transaction = older.transaction()
        await transaction.start()
        await older.fetch(f"select 1 from {quoted_schema(schema)}.events limit 1")
        await older.fetchval("select pg_current_xact_id()")
        events = await append(store, uuid4())
        await asyncio.sleep(0.3)  # the signal came; the event is not readable yet
        assert relay.stats.published == 1
        # it ends without appending, so without a signal of its own
        await transaction.commit()
    finally:
        await pg_pool.release(older)
    await within(BEFORE_THE_POLL, published_through(pg_pool, schema, events[-1].position))


async def test_a_relay_whose_listening_session_ends_listens_again(
    pg_pool: asyncpg.Pool, schema: str, slow_relay: SettledRelay
) -> None:
    _, store = slow_relay
    [ended] = await listening(pg_pool, schema)
    await pg_pool.execute("select pg_terminate_backend($1)", ended)

    async def listens_anew() -> bool:
        pids = await listening(pg_pool, schema)
        return bool(pids) and ended not in pids

    await within(BEFORE_THE_POLL, listens_anew)
    for _ in range(2):
        events = await append(store, uuid4())
        await within(BEFORE_THE_POLL, published_through(pg_pool, schema, events[-1].position))


async def test_a_relay_that_cannot_listen_still_publishes_by_polling(
    pg_pool: asyncpg.Pool, database_url: str, kafka_bootstrap: str, schema: str, topic: str,
    running: Callable[[Relay], None],
) -> None:  # fmt: skip
    settings = SLOW_POLL.model_copy(update={"poll_interval": 0.2})
    nowhere = "postgresql://postgres@127.0.0.1:1/lmis"  # nothing listens on port 1
    relay = Relay(
        PostgresEventStore(pg_pool, schema),
        PostgresCheckpoints(pg_pool, schema),
        KafkaPublisher(kafka_bootstrap, topic, settings),
        settings,
        lock=PostgresRelayLock(database_url, schema),
        wakeup=PostgresCommitListener(nowhere, schema, timeout=1),
    )
    running(relay)
    store = PostgresEventStore(pg_pool, schema)
    for _ in range(3):
        events = await append(store, uuid4())
        await within(BEFORE_THE_POLL, published_through(pg_pool, schema, events[-1].position))
    assert not await listening(pg_pool, schema)


async def test_a_command_through_the_api_wakes_the_relay(
    pg_pool: asyncpg.Pool, database_url: str, kafka_bootstrap: str, fresh_schema: str,
    topic: str, tmp_path: Path, running: Callable[[Relay], None],
) -> None:  # fmt: skip
    # the command path appends in a transaction of its own, and signals once it committed
    async with running_api(tmp_path, database_url, fresh_schema, pg_pool) as api:
        await migrate(pg_pool, fresh_schema)
        await slow_polling_relay(
            pg_pool, database_url, kafka_bootstrap, fresh_schema, topic, running
        )
        for n in range(2):
            worker = await api.register(citizen_id=f"0121980012{n:02d}")
            [event] = await api.store.read_stream(UUID(worker))
            await within(BEFORE_THE_POLL, published_through(pg_pool, fresh_schema, event.position))
