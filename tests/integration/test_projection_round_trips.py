"""Round trips per batch of the indicator projection, on the real PostgreSQL: pinned.

The processor spends most of its time waiting on its transactions' round trips (issue 14's
throughput figures), so their number per batch is a property to keep: BEGIN with the lock (one
message, `Projection._locked`), the stream versions, the streams' facts, every effect in one
statement (`adapters/deferred_writes.py`), the positions, COMMIT, and the pool's reset when
the connection goes back. A change that adds a statement per table or per event fails here.
Every statement a connection of the pool runs is logged (asyncpg's query logger), so nothing
is faked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from asyncpg.connection import LoggedQuery

from lmis_reporting.adapters.indicator_store import IndicatorProjection
from tests.integration.reporting_schema import indicator_tables
from tests.integration.test_indicators_projection import decoded, scenario, tables

pytestmark = pytest.mark.integration

ROUND_TRIPS_PER_BATCH = 7
"""Six in the transaction, one for the pool's reset; the same for any batch size."""


@pytest.fixture
async def logged() -> list[str]:
    return []


@pytest.fixture
async def logged_pool(database_url: str, logged: list[str]) -> AsyncIterator[asyncpg.Pool]:
    async def log_statements(conn: asyncpg.Connection) -> None:
        conn.add_query_logger(lambda record: logged.append(_first_word(record)))

    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1, init=log_statements)
    assert pool is not None
    yield pool
    await pool.close()


def _first_word(record: LoggedQuery) -> str:
    return record.query.split(None, 1)[0].upper()


async def test_a_batch_takes_the_same_few_round_trips_whatever_its_size(
    logged_pool: asyncpg.Pool, logged: list[str], fresh_schema: str
) -> None:
    events = scenario(seed=3)
    assert len(events) > 150
    async with indicator_tables(logged_pool, fresh_schema) as schema:
        projection = IndicatorProjection(logged_pool, schema)
        # the first batch on a connection also looks up the types of the statements' arguments
        await projection.process(decoded(events[:1]))
        per_batch = []
        for start, size in ((1, 1), (2, 20), (22, len(events))):
            logged.clear()
            applied = await projection.process(decoded(events[start : start + size]))
            assert any(applied)
            per_batch.append(len(logged))
        counted = await tables(logged_pool, schema)

    assert per_batch == [ROUND_TRIPS_PER_BATCH] * 3
    assert counted  # the statements did write the effects


async def test_a_redelivered_batch_writes_no_effects(
    logged_pool: asyncpg.Pool, logged: list[str], fresh_schema: str
) -> None:
    events = decoded(scenario(seed=4))
    async with indicator_tables(logged_pool, fresh_schema) as schema:
        projection = IndicatorProjection(logged_pool, schema)
        await projection.process(events)
        logged.clear()
        assert not any(await projection.process(events))
        again = list(logged)

    # BEGIN with the lock, the versions, COMMIT, the reset: nothing to load, write or move
    assert again == ["BEGIN;", "SELECT", "COMMIT", "SELECT"]
