"""The relay's own share of the latency: commit -> publish, alone, and next to other writers.

A relay woken on commit (`PostgresCommitListener`) publishes to an in-memory publisher that
notes when each record reached it; commands append at the bench's pace. Measured on one
PostgreSQL: with no other transaction running, and next to `holders` transactions that each
hold a transaction id for 20-80 ms, either of ANOTHER schema (what another service's command
or a processor's batch does: the store's horizon does not wait for them, `horizon.py`; the
cluster-wide `pg_snapshot_xmin` did) or having touched the store's own schema (`touching`:
another transaction of the same service, which may still append, so the relay must wait for
it: the gap-safe rule's own cost, which no wake-up can shorten).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from uuid import uuid4

import asyncpg

from latency_budget import summary
from lmis_shared.events import NewEvent, RecordedEvent
from lmis_shared.eventstore import Position, StreamAppend
from lmis_shared.eventstore._sql import Statements
from lmis_shared.eventstore.postgres import PostgresEventStore, event_from_row
from lmis_shared.relay import OutboundRecord, PostgresCheckpoints, Relay, RelaySettings, migrate
from lmis_shared.relay.wakeup import PostgresCommitListener
from lmis_shared.sql import in_schema
from pipeline import context, registration


class NotedPublisher:
    """A `Publisher` that only notes when each record's key first reached it."""

    topic = "latency"

    def __init__(self) -> None:
        self.reached: dict[bytes, float] = {}

    async def cluster_id(self) -> str:
        return "in-memory"

    async def publish(self, records: Sequence[OutboundRecord]) -> None:
        now = time.perf_counter()
        for record in records:
            self.reached.setdefault(record.key, now)

    async def close(self) -> None:
        return None


class ClusterWideRuleStore(PostgresEventStore):
    """The store as it read before its own horizon (`horizon.py`): below the oldest
    transaction id in progress anywhere in the cluster, the peer of the figure."""

    async def read_all(self, after: Position | None, limit: int = 500) -> list[RecordedEvent]:
        tx_id, seq = after or (0, 0)
        below = await self._pool.fetchval(_CLUSTER_XMIN)
        rows = await self._pool.fetch(
            Statements.for_schema(self._schema).read_all, tx_id, seq, limit, below
        )
        return [event_from_row(r) for r in rows]


_CLUSTER_XMIN = "select pg_snapshot_xmin(pg_current_snapshot())::text::bigint"


async def commit_to_publish(
    pool: asyncpg.Pool, dsn: str, schema: str, commands: int, holders: int,
    pace_ms: tuple[int, int], *, touching: bool = False, cluster_wide: bool = False,
) -> dict[str, float]:  # fmt: skip
    await PostgresEventStore.migrate(pool, schema)
    await migrate(pool, schema)
    kind = ClusterWideRuleStore if cluster_wide else PostgresEventStore
    store, published = kind(pool, schema), NotedPublisher()
    relay = Relay(
        store, PostgresCheckpoints(pool, schema), published, RelaySettings(),
        wakeup=PostgresCommitListener(dsn, schema),
    )  # fmt: skip
    stop = asyncio.Event()
    rnd = random.Random(holders)

    async def hold() -> None:
        while not stop.is_set():
            async with pool.acquire() as conn, conn.transaction():
                if touching:  # as a command does: its stream read first, then its id
                    await conn.fetch(in_schema("select 1 from {s}.events limit 1", schema))
                await conn.fetchval("select pg_current_xact_id()")
                await asyncio.sleep(rnd.uniform(0.02, 0.08))

    tasks = [asyncio.create_task(relay.run(stop))]
    tasks += [asyncio.create_task(hold()) for _ in range(holders)]
    samples = []
    try:
        await asyncio.sleep(1.0)  # the relay leads and listens
        for i in range(commands):
            await asyncio.sleep(rnd.uniform(*pace_ms) / 1000)
            stream = uuid4()
            event = NewEvent(event_id=uuid4(), payload=registration(i, rnd))
            await store.append_stream(StreamAppend(stream, "worker", 0, [event], context()), None)
            committed, key = time.perf_counter(), str(stream).encode()
            while key not in published.reached:  # noqa: ASYNC110  (the relay runs beside)
                await asyncio.sleep(0.001)
            samples.append((published.reached[key] - committed) * 1000)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    return summary(samples)
