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
from tests.integration import plans
from tests.integration.plans import Read, assert_read_by_key

pytestmark = pytest.mark.integration

_FILL = """
    INSERT INTO {s}.stream_facts (stream_id, stream_type, commune_code, facts)
    SELECT gen_random_uuid(), 'worker', '03637', '{}' FROM generate_series(1, 300);
    INSERT INTO {s}.stream_facts_history
        (stream_id, known_from, known_until, stream_type, commune_code, facts)
    SELECT stream_id, date '2026-01-01', NULL, stream_type, commune_code, facts
    FROM {s}.stream_facts"""


async def _migrate(pool: asyncpg.Pool, schema: str) -> None:
    await IndicatorProjection(pool, schema).migrate()


@pytest.fixture
async def small_tables(database_url: str, fresh_schema: str) -> AsyncIterator[asyncpg.Connection]:
    async with plans.small_tables(database_url, fresh_schema, _migrate, _FILL) as conn:
        yield conn


READS: dict[str, Read] = {
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
    await assert_read_by_key(small_tables, fresh_schema, READS[read], "stream", "stream_id = ")
