"""How many statements the deadline projection sends PostgreSQL for one batch (issue 14).

The alert's latency is the deadline projection's batches queueing behind each other, and a
batch's time is its round trips. A batch of absconding reports of distinct workers (what the
latency bench sends: each raises an alert at once) must take the same few statements whatever
its size: the appends of all its alerts, their rows, deadlines, subjects and positions each
written in one statement. A change that adds a statement per event, or per batch, fails here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime

import asyncpg
import pytest

from lmis_notify.adapters.projection import DeadlineProjection
from lmis_notify.application.deadlines import Deadlines
from lmis_notify.bootstrap import migrate
from lmis_notify.domain.model import alert_id
from lmis_notify.domain.rules import RuleSettings
from lmis_shared.clock import VIETNAM_TZ, FixedClock
from lmis_shared.contracts import registry as r
from lmis_shared.contracts.notify import AlertRule
from tests.unit.alert_examples import Stream, worker_registered

pytestmark = pytest.mark.integration

ABSCONDED_ON = date(2026, 4, 2)
STATEMENTS_PER_BATCH = 12
"""BEGIN with both locks, positions, subjects, deadlines set (and raised), raised, open alerts,
existing alerts, every alert's appends, alert rows, subjects, positions, COMMIT (it was 15
plus 3 per subject whose absconding raises two alerts: 89 for 25 workers)."""


class Counted:
    """The statements sent on a pool's connections, while `counting`."""

    def __init__(self) -> None:
        self.counting = False
        self.statements: list[str] = []

    def log(self, query: asyncpg.connection.LoggedQuery) -> None:
        if self.counting:
            self.statements.append(query.query)

    async def init(self, conn: asyncpg.Connection) -> None:
        conn.add_query_logger(self.log)


@pytest.fixture
async def counted(
    database_url: str, fresh_schema: str
) -> AsyncIterator[tuple[Counted, asyncpg.Pool]]:
    counted = Counted()
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1, init=counted.init)
    assert pool is not None
    await migrate(pool, fresh_schema)
    yield counted, pool
    await pool.execute(f"DROP SCHEMA {fresh_schema} CASCADE")
    await pool.close()


async def statements_for(counted: Counted, pool: asyncpg.Pool, schema: str, n: int) -> list[str]:
    clock = FixedClock(datetime(2026, 4, 3, 9, tzinfo=VIETNAM_TZ))
    projection = DeadlineProjection(pool, schema, Deadlines(RuleSettings(), clock))
    workers = [Stream("worker") for _ in range(n)]
    await projection.process([w.event(worker_registered()) for w in workers])
    absconded = r.WorkerAbsconded(absconded_on=ABSCONDED_ON, source=r.ReportSource.employer)
    counted.counting, counted.statements = True, []
    applied = await projection.process([w.event(absconded) for w in workers])
    counted.counting = False
    assert applied == [True] * n
    for w in workers:  # each raised, once
        status = await pool.fetchval(
            f"SELECT status FROM {schema}.alerts WHERE id = $1",
            alert_id(AlertRule.absconded, w.id, ABSCONDED_ON),
        )
        assert status == "open"
    sent = [s.strip() for s in counted.statements]
    # the batch's transaction: not the pool's reset, nor a new connection's type introspection
    begin = next(at for at, s in enumerate(sent) if s.startswith("BEGIN"))
    commit = next(at for at, s in enumerate(sent) if s.startswith("COMMIT"))
    return sent[begin : commit + 1]


async def test_a_batch_of_alerts_of_distinct_subjects_takes_a_fixed_number_of_statements(
    counted: tuple[Counted, asyncpg.Pool], fresh_schema: str
) -> None:
    log, pool = counted
    await statements_for(log, pool, fresh_schema, 1)  # the connection learns the types
    one = await statements_for(log, pool, fresh_schema, 1)
    many = await statements_for(log, pool, fresh_schema, 25)
    shown = "\n".join(s[:90] for s in many)
    assert len(many) == len(one), shown
    assert len(many) == STATEMENTS_PER_BATCH, shown
