"""The deadline projection's reads keep probing an index per key in a plan made on small tables
(issue 14).

A connection prepares each statement once and, after a few runs, keeps a generic plan until the
next ANALYZE. Planned while a schema's tables were small (a new schema, a processor's first
batches), `subject_id = ANY($1)` or a join on `unnest` was a sequential scan (or a full index
scan filtered by the join), which every batch after read in full as the tables grew: the
subjects read went from 1.3 to 9.3 ms a batch over 20,000 registrations, the open alerts
400+ ms at 50,000. Each read here is planned generically on small tables, as a connection
caches it then, and must look its rows up by the keys asked about (`Index Cond` on the
unnested keys), whatever the table's size.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from lmis_notify.adapters import _alert_sql as q
from lmis_notify.bootstrap import migrate
from tests.integration import plans
from tests.integration.plans import Read, assert_read_by_key

pytestmark = pytest.mark.integration

# each read, its parameters' types, and arguments of those types
READS: dict[str, Read] = {
    "subjects": (q.SUBJECTS, "uuid[]", "ARRAY[gen_random_uuid()]"),
    "alerts": (q.ALERTS, "uuid[]", "ARRAY[gen_random_uuid()]"),
    "raised": (q.RAISED, "uuid[], text[]", "ARRAY[gen_random_uuid()], ARRAY['absconded']"),
    "open alerts": (
        q.OPEN_ALERTS,
        "uuid[], text[]",
        "ARRAY[gen_random_uuid()], ARRAY['absconded']",
    ),
}

# a few hundred rows: small enough that a sequential scan is the cheapest plan for `= ANY`
_FILL = """
    INSERT INTO {s}.alert_subjects (subject_id, kind)
    SELECT gen_random_uuid(), 'worker' FROM generate_series(1, 300);
    INSERT INTO {s}.deadlines (subject_id, rule, due_on, status)
    SELECT subject_id, 'absconded', date '2026-04-02', 'raised' FROM {s}.alert_subjects;
    INSERT INTO {s}.alerts (id, rule, subject_id, subject_kind, due_on, raised_at, version)
    SELECT gen_random_uuid(), 'absconded', subject_id, 'worker', date '2026-04-02', now(), 1
    FROM {s}.alert_subjects"""


@pytest.fixture
async def small_tables(database_url: str, fresh_schema: str) -> AsyncIterator[asyncpg.Connection]:
    async with plans.small_tables(database_url, fresh_schema, migrate, _FILL) as conn:
        yield conn


@pytest.mark.parametrize("read", list(READS))
async def test_a_batch_read_looks_rows_up_by_key_in_a_plan_made_on_small_tables(
    small_tables: asyncpg.Connection, fresh_schema: str, read: str
) -> None:
    # the index is searched with each unnested key (`t.id`, `t.s`), not read whole and filtered
    await assert_read_by_key(small_tables, fresh_schema, READS[read], "", "= t.")
