"""The notify processor end to end on the real broker and PostgreSQL: its faust agent turns
registry events into deadlines, its timer sweeps them into alerts against a fixed clock, and a
restarted processor that reads every event again raises nothing twice.

One test, because a faust worker takes a few seconds to join its group; the rules and the
sweeper are tested directly in test_alerts.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime
from uuid import UUID

import asyncpg
import pytest

from lmis_notify.bootstrap import migrate
from lmis_notify.domain.model import alert_id
from lmis_notify.entrypoints.processor import build_processor
from lmis_notify.settings import NotifySettings
from lmis_shared.clock import VIETNAM_TZ, FixedClock
from lmis_shared.cloudevents import to_kafka
from lmis_shared.contracts import registry as r
from lmis_shared.contracts.notify import AlertRule
from lmis_shared.events import EventPayload
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.processing import all_events
from lmis_shared.settings import CommonSettings
from tests.conftest import unique
from tests.integration.processors import (
    Record,
    eventually,
    publish,
    serving,
)
from tests.unit.alert_examples import Stream, contract_signed, worker_registered

pytestmark = pytest.mark.integration


class Worker(Stream):
    def __init__(self) -> None:
        super().__init__("worker")

    def record(self, payload: EventPayload) -> Record:
        return to_kafka(self.event(payload).event)

    def registered(self) -> Record:
        return self.record(worker_registered())

    def signed(self, end: date) -> Record:
        return self.record(contract_signed(end))


@pytest.fixture
async def schema(pg_pool: asyncpg.Pool, fresh_schema: str) -> AsyncIterator[str]:
    await migrate(pg_pool, fresh_schema)
    yield fresh_schema
    await pg_pool.execute(f"DROP SCHEMA {fresh_schema} CASCADE")


@contextlib.asynccontextmanager
async def running(
    common: CommonSettings, settings: NotifySettings, pool: asyncpg.Pool, clock: FixedClock
) -> AsyncIterator[asyncio.Task[None]]:
    app, sweeper = build_processor(common, settings, pool, clock)
    await sweeper.sync_obligations()
    async with serving(app) as task:
        yield task


async def test_the_processor_raises_and_resolves_alerts_and_a_restart_raises_nothing_twice(
    pg_pool: asyncpg.Pool,
    schema: str,
    kafka_bootstrap: str,
    common: CommonSettings,
    registry_topic: str,
) -> None:
    topic = registry_topic

    def settings() -> NotifySettings:  # a new group each run: the restart reads everything
        return NotifySettings(
            schema_name=schema,
            processor_id=unique("lmis-notify-test"),
            sources=["registry"],
            sweep_interval_seconds=0.2,
            report_obligations={},
        )

    clock = FixedClock(datetime(2026, 7, 15, 9, tzinfo=VIETNAM_TZ))
    back, away, later = Worker(), Worker(), Worker()
    absconded = r.WorkerAbsconded(absconded_on=date(2026, 7, 10), source=r.ReportSource.employer)
    records = [
        back.registered(),
        back.signed(date(2026, 5, 31)),  # overdue from 1 July (30 days' grace)
        away.registered(),
        away.record(absconded),
        later.registered(),
        later.signed(date(2026, 7, 31)),  # overdue from 31 August
    ]
    store = PostgresEventStore(pg_pool, schema)

    async def alert_events() -> Counter[tuple[UUID, str]]:
        found = [e async for e in all_events(store)]
        return Counter((e.metadata.stream_id, e.event_type.split(".")[-2]) for e in found)

    def has(*wanted: tuple[UUID, str]) -> Callable[[], Awaitable[bool | None]]:
        async def probe() -> bool | None:
            found = await alert_events()
            return True if all(found[w] for w in wanted) else None

        return probe

    overdue = alert_id(AlertRule.overdue_return, back.id, date(2026, 7, 1))
    fled = alert_id(AlertRule.absconded, away.id, date(2026, 7, 10))
    visit = alert_id(AlertRule.family_visit_due, away.id, date(2026, 7, 10))  # the commune's
    overdue_later = alert_id(AlertRule.overdue_return, later.id, date(2026, 8, 31))
    await asyncio.to_thread(publish, kafka_bootstrap, topic, records)

    async with running(common, settings(), pg_pool, clock) as worker:
        await eventually(has((overdue, "raised"), (fled, "raised")), "two alerts", worker=worker)
        returned = r.WorkerReturned(return_date=date(2026, 7, 14), reason=r.ReturnReason.personal)
        await asyncio.to_thread(publish, kafka_bootstrap, topic, [back.record(returned)])
        await eventually(has((overdue, "resolved")), "the return to resolve it", worker=worker)

    clock.set(datetime(2026, 9, 1, 9, tzinfo=VIETNAM_TZ))
    async with running(common, settings(), pg_pool, clock) as worker:
        await eventually(has((overdue_later, "raised")), "the later deadline", worker=worker)
        sentinel = Worker()
        await asyncio.to_thread(publish, kafka_bootstrap, topic, [sentinel.registered()])

        async def sentinel_read() -> bool | None:
            found = await pg_pool.fetchval(
                f"SELECT count(*) FROM {schema}.projection_positions WHERE stream_id = $1",
                sentinel.id,
            )
            return True if found else None

        await eventually(sentinel_read, "every record read again", worker=worker)

    assert await alert_events() == Counter(
        {
            (overdue, "raised"): 1,
            (overdue, "resolved"): 1,
            (fled, "raised"): 1,
            (visit, "raised"): 1,
            (overdue_later, "raised"): 1,
        }
    )
