"""The reporting projection's batch reads keep probing an index per key in a plan made on small
tables (issue 14; notify's are held to it by `test_alert_book_plans.py`).

A connection prepares each statement once and, after a few runs, may keep a generic plan until
the next ANALYZE. Planned while a schema's tables were small (a new schema, a processor's first
batches), `stream_id = ANY($1)` could be a sequential scan that every later batch reads in full
as the table grows (16 ms a read at 50,000 facts against 0.3 ms by key, measured by the notify
helper). Each read is planned generically here on small tables and must look its rows up by
the keys asked about (the statements before this test were both sequential scans here).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from lmis_reporting.adapters import facts_store, history_store
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_shared.sql import in_schema

pytestmark = pytest.mark.integration

_FILL = """
    INSERT INTO {s}.stream_facts (stream_id, stream_type, commune_code, facts)
    SELECT gen_random_uuid(), 'worker', '03637', '{}' FROM generate_series(1, 300);
    INSERT INTO {s}.stream_facts_history
        (stream_id, known_from, known_until, stream_type, commune_code, facts)
    SELECT stream_id, date '2026-01-01', NULL, stream_type, commune_code, facts
    FROM {s}.stream_facts"""


@pytest.fixture
async def small_tables(database_url: str, fresh_schema: str) -> AsyncIterator[asyncpg.Connection]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert pool is not None
    await IndicatorProjection(pool, fresh_schema).migrate()
    await pool.close()
    conn = await asyncpg.connect(database_url)
    await conn.execute(in_schema(_FILL, fresh_schema))
    await conn.execute("SET plan_cache_mode = force_generic_plan")  # what is cached after 5 runs
    yield conn
    await conn.execute(f"DROP SCHEMA {fresh_schema} CASCADE")
    await conn.close()


READS = {
    "facts": (facts_store._LOAD, "uuid[]", "ARRAY[gen_random_uuid()]"),
    "history closed": (
        history_store._CLOSE,
        "uuid[], date[]",
        "ARRAY[gen_random_uuid()], ARRAY[date '2026-02-01']",
    ),
}


@pytest.mark.parametrize("read", list(READS))
async def test_a_batch_read_looks_rows_up_by_key_in_a_plan_made_on_small_tables(
    small_tables: asyncpg.Connection, fresh_schema: str, read: str
) -> None:
    statement, types, arguments = READS[read]
    await small_tables.execute(f"PREPARE probe({types}) AS {in_schema(statement, fresh_schema)}")
    plan = [row[0] for row in await small_tables.fetch(f"EXPLAIN EXECUTE probe({arguments})")]

    assert not any("Seq Scan on stream" in line for line in plan), plan
    # the index is searched with each key asked about, not read whole and filtered
    assert any("Index Cond" in line and "stream_id = " in line for line in plan), plan
