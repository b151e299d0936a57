"""The commit signal (`eventstore/signal.py`) does not queue for a pool's connection while the
pool is full: a writer appending back to back on a one-connection pool does not wait for a
NOTIFY after each append, and its last commit is still signalled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import asyncpg
import pytest

from lmis_shared.eventstore import signal
from lmis_shared.eventstore.postgres import PostgresEventStore, create_pool
from tests.integration.test_relay import append, schema

__all__ = ["schema"]  # the fixture this module shares with test_relay

pytestmark = pytest.mark.integration

APPENDS = 40


class Heard(list[int]):
    """The transaction ids signalled for a store, as a relay hears them."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    async def until(self, tx_id: int) -> None:
        async with asyncio.timeout(10):  # a guard against hanging, not a measure of speed
            while tx_id not in self:
                self.changed.clear()
                await self.changed.wait()


@pytest.fixture
async def heard(database_url: str, schema: str) -> AsyncIterator[Heard]:
    ids = Heard()
    listener = await asyncpg.connect(database_url)

    def on_notify(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
        ids.append(int(payload))
        ids.changed.set()

    await listener.add_listener(signal.commit_channel(schema), on_notify)
    yield ids
    await listener.close()


async def test_back_to_back_appends_on_a_full_pool_share_their_signals(
    database_url: str, schema: str, heard: Heard, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a delay longer than the appends take, however slow the machine: only the end of the
    # appends frees the connection for the signal
    monkeypatch.setattr(signal, "MOST_DELAY", 30.0)
    pool = await create_pool(database_url, min_size=1, max_size=1)
    try:
        store = PostgresEventStore(pool, schema)
        last = None
        for _ in range(APPENDS):
            last = (await append(store, uuid4()))[-1].position
        assert last is not None
        await heard.until(last[0])
    finally:
        await pool.close()
    # one NOTIFY per append would be APPENDS of them
    assert len(heard) < APPENDS / 4


async def test_a_signal_held_back_by_a_full_pool_goes_out_after_the_most_delay(
    database_url: str, schema: str, heard: Heard, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no commit follows to wake the signal: only its MOST_DELAY sends it, queued for the
    # connection the test holds (and it waits for the test to let go, not for ever)
    monkeypatch.setattr(signal, "MOST_DELAY", 0.05)
    pool = await create_pool(database_url, min_size=1, max_size=1)
    try:
        store = PostgresEventStore(pool, schema)
        position = (await append(store, uuid4()))[-1].position
        assert position is not None
        async with pool.acquire():  # taken before the signal looks: the pool is full
            await asyncio.sleep(0.2)
            assert heard == []
        await heard.until(position[0])
    finally:
        await pool.close()


async def test_a_pool_with_a_free_connection_signals_each_commit_apart(
    database_url: str, schema: str, heard: Heard
) -> None:
    pool = await create_pool(database_url, min_size=2, max_size=2)
    try:
        store = PostgresEventStore(pool, schema)
        for _ in range(3):
            tx_id = (await append(store, uuid4()))[-1].position
            assert tx_id is not None
            await heard.until(tx_id[0])
    finally:
        await pool.close()
    assert len(heard) == 3
