"""A split rebuild's read of one part of the streams (`replay.py`, issue 14) walks the store's
global-order index as the whole read does, not a scan and a sort of the whole store for each
chunk (which the server chose when the part's condition sat beside the order's: its
selectivity is a guess, a small one)."""

from __future__ import annotations

import asyncpg
import pytest

from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.processing.replay import WHOLE, chunk_statement

pytestmark = pytest.mark.integration

_FILL = """
    INSERT INTO {s}.events (event_id, event_type, stream_id, stream_type, version, data,
        recorded_at, actor, correlation_id, source)
    SELECT gen_random_uuid(), 'lmis.test.thing.noted.v1', gen_random_uuid(), 'thing', 1,
        '{{"n": 1}}', now(), 'test', gen_random_uuid(), '/test'
    FROM generate_series(1, 20000)
"""


@pytest.mark.parametrize("part", [WHOLE, (0, 2), (1, 2)], ids=["whole", "part_0", "part_1"])
async def test_a_chunk_of_a_part_is_read_along_the_global_order_index(
    pg_pool: asyncpg.Pool, fresh_schema: str, part: tuple[int, int]
) -> None:
    await PostgresEventStore.migrate(pg_pool, fresh_schema)
    await pg_pool.execute(_FILL.format(s=f'"{fresh_schema}"'))
    await pg_pool.execute(f'ANALYZE "{fresh_schema}".events')
    statement = chunk_statement(fresh_schema, part, ("recorded_at",))
    arguments = ["0", 0, "9223372036854775807", 500, *([] if part == WHOLE else part[::-1])]
    async with pg_pool.acquire() as conn:
        plan = [row[0] for row in await conn.fetch(f"EXPLAIN {statement}", *arguments)]

    assert not any("Seq Scan" in line for line in plan), plan
    assert any("Index Scan using events_global_order" in line for line in plan), plan
    assert not any("Sort" in line and "Key" not in line for line in plan), plan
