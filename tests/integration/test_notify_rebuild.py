"""Rebuilding notify's deadline and feed projections in memory and swapping them in
(`deadline_rebuild.py`, `feed_rebuild.py`), on the real PostgreSQL: the rebuilt subjects,
deadlines, alerts (rows and events), feed outbox and positions are those live processing made;
events that the live processor applies while the rebuild runs, and alerts the sweeper raises
meanwhile, are neither lost nor doubled; parked events the rebuild covers are dropped."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import pytest

from lmis_notify.adapters.alert_book import PostgresAlertBooks
from lmis_notify.adapters.feed_projection import FeedProjection
from lmis_notify.adapters.projection import DeadlineProjection
from lmis_notify.application.deadlines import Deadlines
from lmis_notify.application.feed_fanout import FeedFanout
from lmis_notify.application.feed_ports import ClearPersonalFields
from lmis_notify.application.recruitment import RecruitmentWatch
from lmis_notify.application.sweeper import Sweeper
from lmis_notify.bootstrap import migrate
from lmis_notify.domain.rules import RuleSettings
from lmis_notify.settings import NotifySettings
from lmis_shared.clock import VIETNAM_TZ, FixedClock
from lmis_shared.contracts import registry as r
from lmis_shared.events import EventPayload, RecordedEvent
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.processing import all_events
from lmis_shared.processing.decoding import arrival
from tests.conftest import unique
from tests.integration.test_alerts import loan_applied, loan_disbursed, paid_through, permit_issued
from tests.integration.test_indicators_projection import append, interleaved, recorded
from tests.integration.test_rebuild_in_memory import Store
from tests.unit.alert_examples import contract_signed, foreign_worker_registered, worker_registered

pytestmark = pytest.mark.integration

RULES = RuleSettings()
NAMES = (DeadlineProjection.name, FeedProjection.name)


def worker_stream(rnd: random.Random) -> list[EventPayload]:
    events: list[EventPayload] = [worker_registered(), contract_signed(date(2026, 5, 31))]
    fate = rnd.random()
    if fate < 0.3:
        events.append(
            r.WorkerAbsconded(absconded_on=date(2026, 4, 2), source=r.ReportSource.employer)
        )
    elif fate < 0.6:
        events.append(
            r.WorkerReturned(
                return_date=date(2026, 6, 20), reason=r.ReturnReason.contract_completed
            )
        )
    return events


def loan_stream(rnd: random.Random) -> list[EventPayload]:
    dues = (date(2026, 2, 15), date(2026, 3, 15), date(2026, 4, 15))
    events: list[EventPayload] = [loan_applied(), loan_disbursed(*dues)]
    if rnd.random() < 0.5:
        events.append(paid_through(rnd.randint(1, 3)))
    return events


def foreign_stream(rnd: random.Random) -> list[EventPayload]:
    return [
        foreign_worker_registered(date(2026, 1, 1)),
        permit_issued(date(2026, 1, 1), date(2026, 3, 31)),
    ]


def scenario(seed: int, streams: int = 24) -> list[RecordedEvent]:
    """Every stream's events in version order, the streams interleaved at random."""
    rnd = random.Random(seed)
    makers = [worker_stream, loan_stream, foreign_stream]
    pending = []
    for n in range(streams):
        stream = UUID(int=rnd.getrandbits(128))
        payloads = makers[n % len(makers)](rnd)
        pending.append([recorded(stream, v + 1, p) for v, p in enumerate(payloads)])
    return interleaved(rnd, pending)


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), VIETNAM_TZ) + timedelta(hours=9)


@dataclass
class Notify:
    """Live notify on one schema: the two projections and the sweeper, fed from a store."""

    pool: asyncpg.Pool
    schema: str
    clock: FixedClock = field(default_factory=lambda: FixedClock(at(date(2026, 1, 1))))

    def __post_init__(self) -> None:
        watch = RecruitmentWatch(NotifySettings().recruitment(), self.clock)
        self.deadlines = DeadlineProjection(
            self.pool, self.schema, Deadlines(RULES, self.clock), watch
        )
        self.feeds = FeedProjection(self.pool, self.schema, FeedFanout(ClearPersonalFields()))
        self.sweeper = Sweeper(PostgresAlertBooks(self.pool, self.schema), self.clock, RULES, [])

    async def deliver(self, events: Sequence[RecordedEvent], batch: int = 5) -> None:
        """As the processor gets them off the topics: in batches, each to both projections."""
        for start in range(0, len(events), batch):
            chunk = events[start : start + batch]
            for projection in (self.deadlines, self.feeds):
                await projection.process([arrival(e, projection.event_types) for e in chunk])

    async def sweep_on(self, day: date) -> int:
        self.clock.set(at(day))
        return await self.sweeper.sweep()

    async def rebuild(self, sources: list[str], **options: Any) -> None:
        await self.deadlines.rebuild_beside_live(sources, **options)
        await self.feeds.rebuild_beside_live(sources, **options)


@pytest.fixture
async def schemas(pg_pool: asyncpg.Pool) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    made: list[str] = []

    async def make() -> str:
        made.append(unique("t_notify"))
        await migrate(pg_pool, made[-1])
        return made[-1]

    yield make
    for name in made:
        await pg_pool.execute(f"DROP SCHEMA {name} CASCADE")


@pytest.fixture
async def source(pg_pool: asyncpg.Pool) -> AsyncIterator[Store]:
    name = unique("t_source")
    await PostgresEventStore.migrate(pg_pool, name)
    yield Store(pg_pool, name)
    await pg_pool.execute(f"DROP SCHEMA {name} CASCADE")


async def stored(store: PostgresEventStore, events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
    """`events` appended, read back as the relay publishes them (the store's metadata)."""
    await append(store, events)
    ids = {e.metadata.event_id for e in events}
    return [e async for e in all_events(store) if e.metadata.event_id in ids]


STATE = {
    "alert_subjects": "SELECT * FROM {s}.alert_subjects ORDER BY subject_id",
    "deadlines": "SELECT * FROM {s}.deadlines ORDER BY subject_id, rule, due_on",
    "submissions": "SELECT * FROM {s}.report_submissions ORDER BY report_id",
    "signals": "SELECT * FROM {s}.recruitment_signals ORDER BY subject_id, kind, source_id",
    "alerts": "SELECT * FROM {s}.alerts ORDER BY id",
    # a sweep's correlation id is its own (random): compared where an event caused the alert
    "alert_events": "SELECT stream_id, version, event_type, data, actor, causation_id,"
    " CASE WHEN causation_id IS NOT NULL THEN correlation_id END AS correlation_id"
    " FROM {s}.events WHERE stream_type = 'alert' ORDER BY stream_id, version",
    "feed_outbox": "SELECT feed, unit, event_id, event_type, stream_id, stream_type, version,"
    " data, recorded_at, actor, correlation_id, causation_id, traceparent, source"
    " FROM {s}.feed_outbox ORDER BY feed, unit, event_id",
    "feed_subjects": "SELECT * FROM {s}.feed_subjects ORDER BY stream_id",
    "positions": "SELECT * FROM {s}.projection_positions ORDER BY projection, stream_id",
}


async def state(pool: asyncpg.Pool, schema: str) -> dict[str, list[dict[str, Any]]]:
    return {
        name: [dict(row) for row in await pool.fetch(sql.replace("{s}", schema))]
        for name, sql in STATE.items()
    }


async def test_the_rebuilt_notify_state_is_what_live_processing_made(
    pg_pool: asyncpg.Pool, schemas: Callable[[], Awaitable[str]], source: Store
) -> None:
    notify = Notify(pg_pool, await schemas())
    events = await stored(source, scenario(seed=7))
    await notify.deliver(events[:40])
    await notify.sweep_on(date(2026, 3, 20))
    await notify.deliver(events[40:])
    await notify.sweep_on(date(2026, 6, 1))
    live = await state(pg_pool, notify.schema)
    assert len(live["alerts"]) > 10
    assert len(live["feed_outbox"]) > 10
    # the live tables went wrong (a bug, a rule changed): the rebuild keeps nothing of them
    s = notify.schema
    await pg_pool.execute(f"DELETE FROM {s}.alert_subjects WHERE kind = 'loan'")
    await pg_pool.execute(f"UPDATE {s}.deadlines SET status = 'cancelled' WHERE status = 'pending'")
    await pg_pool.execute(f"DELETE FROM {s}.feed_outbox WHERE event_type LIKE '%.registered.v1'")
    await pg_pool.execute(
        f"UPDATE {s}.feed_outbox SET data = '{{}}' WHERE event_type LIKE '%loan%'"
    )
    await pg_pool.execute(f"DELETE FROM {s}.projection_positions WHERE version > 2")
    # a park the store covers (a forged record of a version it holds), and one it does not
    stream = events[0].metadata.stream_id
    for version in (2, 9):
        await pg_pool.execute(
            f"INSERT INTO {s}.parked_events (projection, stream_id, version, reason, event)"
            " VALUES ($1, $2, $3, 'gap', $4)",
            DeadlineProjection.name, stream, version, events[0].model_dump_json(),
        )  # fmt: skip

    outbox = f"SELECT feed, unit, event_id, tx_id::text || '/' || seq AS at FROM {s}.feed_outbox"
    before = {tuple(r)[:3]: r["at"] for r in await pg_pool.fetch(outbox)}

    await notify.rebuild([source.schema], chunk=13)

    assert await state(pg_pool, s) == live
    # the feed relay sends again only what the rebuild derived differently, and that once
    after = {tuple(r)[:3]: r["at"] for r in await pg_pool.fetch(outbox)}
    moved = {k for k in after if before.get(k) != after[k]}
    assert moved == {
        (r["feed"], r["unit"], r["event_id"])
        for r in live["feed_outbox"]
        if "registered" in r["event_type"] or "loan" in r["event_type"]
    }
    assert len(moved) < len(after)
    parked = await pg_pool.fetch(f"SELECT stream_id, version FROM {s}.parked_events")
    assert [(p["stream_id"], p["version"]) for p in parked] == [(stream, 9)]


class Traffic:
    """What the live side does while the rebuilds run, logged to be done again on a fresh
    schema: new events committed, the live processor applying them some way behind (the rest
    after the swap), and the sweeper raising what has fallen due."""

    def __init__(self, notify: Notify, store: Store, parts: list[list[RecordedEvent]]) -> None:
        self.notify, self.store, self.parts = notify, store, parts
        self.committed: list[RecordedEvent] = []
        self.delivered = 0
        self.log: list[tuple[str, Any]] = []
        self.calls = 0

    async def deliver(self, upto: int) -> None:
        events = self.committed[self.delivered : upto]
        self.delivered = max(self.delivered, upto)
        self.log.append(("deliver", events))
        await self.notify.deliver(events)

    async def sweep(self) -> None:
        self.log.append(("sweep", None))
        await self.notify.sweeper.sweep()

    async def commit_next(self, lag: int) -> None:
        if self.parts:
            self.committed += await stored(self.store, self.parts.pop(0))
            await self.deliver(len(self.committed) - lag)

    async def between_chunks(self) -> None:
        self.calls += 1
        if self.calls % 3 == 1:
            await self.commit_next(lag=0 if self.calls == 1 else 3)
        if self.calls == 2:
            await self.sweep()  # alerts raised while the deadline rebuild replays

    async def before_swap(self) -> None:
        await self.commit_next(lag=2)


async def done_again(notify: Notify, log: list[tuple[str, Any]]) -> None:
    for action, events in log:
        await (notify.deliver(events) if action == "deliver" else notify.sweeper.sweep())


async def test_events_and_sweeps_during_a_rebuild_are_neither_lost_nor_doubled(
    pg_pool: asyncpg.Pool, schemas: Callable[[], Awaitable[str]], source: Store
) -> None:
    day = FixedClock(at(date(2026, 5, 1)))  # one instant: alerts say when they were raised
    notify = Notify(pg_pool, await schemas(), day)
    traffic = Traffic(notify, source, [])
    traffic.committed = await stored(source, scenario(seed=8))
    await traffic.deliver(len(traffic.committed))
    # first an absconding the live processor raises while the replay runs: the replay raises
    # it too, against the alerts as they were; the swap must find it raised
    absconder = UUID(int=random.Random(5).getrandbits(128))
    absconded = r.WorkerAbsconded(absconded_on=date(2026, 4, 2), source=r.ReportSource.employer)
    absconding = [worker_registered(), contract_signed(date(2026, 5, 31)), absconded]
    arriving = scenario(seed=9, streams=15)
    traffic.parts = [[recorded(absconder, n + 1, p) for n, p in enumerate(absconding)]]
    traffic.parts += [arriving[n : n + 6] for n in range(0, len(arriving), 6)]
    assert len(traffic.parts) >= 6

    for projection in (notify.deadlines, notify.feeds):
        await projection.rebuild_beside_live(
            [source.schema], chunk=7, between_chunks=traffic.between_chunks,
            before_swap=traffic.before_swap,
        )  # fmt: skip
    await traffic.deliver(len(traffic.committed))  # what the processor had not had yet

    assert traffic.calls > 6, "both rebuilds ran in chunks, with traffic between them"
    assert ("sweep", None) in traffic.log
    fresh = Notify(pg_pool, await schemas(), FixedClock(at(date(2026, 5, 1))))
    await done_again(fresh, traffic.log)
    expected = await state(pg_pool, fresh.schema)
    assert len(expected["alert_events"]) > 10
    assert await state(pg_pool, notify.schema) == expected
