"""Exact projections in PostgreSQL: effects and positions commit in one transaction.

Kafka delivers at least once, and the embedded broker is refilled from the event stores after
every restart, so a projection sees the same event many times. It must count it once. Each
projection records, per stream, the last version it applied (`projection_positions`); a batch
of events is applied in ONE transaction that
  1. takes the projection's advisory lock (one writer at a time: two workers during a
     rebalance, or a rebuild next to the live processor, cannot both apply an event),
  2. reads the stored versions of the batch's streams and keeps only events above them (a
     redelivery or a replay is skipped; so is a duplicate inside the batch),
  3. applies the kept events' effects (the subclass's `apply`),
  4. upserts the streams' new versions.
A crash anywhere rolls back all four; the events come again and are judged again. Kafka keys
records by stream id, so one stream's events arrive in version order.

`rebuild` empties the projection's tables and positions and replays a source (the event
store's `read_all`, or a list) in the same single transaction under the same lock: readers see
the old numbers until it commits, and the live processor waits, then skips what the rebuild
applied. Same code path, same numbers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from typing import ClassVar
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from lmis_shared.events import RecordedEvent, payload_class
from lmis_shared.eventstore.api import EventStore, Position
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.migrations import Migration, apply_migrations, quoted_schema
from lmis_shared.processing.decoding import Decoded, validate_payload

Connection = asyncpg.Connection | PoolConnectionProxy

_LOCK_CLASS = 0x4C4D5052  # "LMPR": projection locks, apart from the migration runner's

POSITIONS_MIGRATION = Migration(
    "processing/0001_projection_positions.sql",
    """
CREATE TABLE projection_positions (
    projection text NOT NULL,
    stream_id uuid NOT NULL,
    version integer NOT NULL CHECK (version > 0),
    PRIMARY KEY (projection, stream_id)
);
""",
)


POSITIONS_BIGINT_MIGRATION = Migration(
    "processing/0002_projection_positions_bigint.sql",
    """
ALTER TABLE projection_positions ALTER COLUMN version TYPE bigint;
""",
)
"""Stream versions are bigints in the event store; an `integer` here would refuse (and retry
for ever) any event above 2^31 - 1."""


class Projection(ABC):
    """A read model kept in PostgreSQL from events; subclasses say which and how."""

    name: ClassVar[str]
    """Stable identifier, the key of its rows in `projection_positions`."""
    event_types: ClassVar[frozenset[str]]
    """The event types it applies; every other type is skipped."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self.pool = pool
        self.schema = schema
        self._q = quoted_schema(schema)
        for event_type in self.event_types:
            payload_class(event_type)  # fails fast if its contract was not imported

    @abstractmethod
    def migrations(self) -> Sequence[Migration]:
        """The projection's own tables (the positions table is added by `migrate`)."""

    @abstractmethod
    async def apply(self, conn: Connection, events: Sequence[Decoded]) -> None:
        """Apply the effects of `events` (new ones only, in order) inside the open transaction."""

    @abstractmethod
    async def clear(self, conn: Connection) -> None:
        """Delete every row this projection wrote (its positions excepted), for a rebuild."""

    async def migrate(self) -> list[str]:
        return await apply_migrations(
            self.pool,
            self.schema,
            [POSITIONS_MIGRATION, POSITIONS_BIGINT_MIGRATION, *self.migrations()],
        )

    async def process(self, events: Sequence[Decoded]) -> list[bool]:
        """Apply a batch in one transaction; for each event, whether it was new (applied)."""
        if not events:
            return []
        async with self.pool.acquire() as conn, conn.transaction():
            await self._lock(conn)
            return await self._apply_new(conn, events)

    async def rebuild(
        self,
        source: Iterable[RecordedEvent] | AsyncIterable[RecordedEvent],
        batch_size: int = 500,
    ) -> int:
        """Start again from nothing and replay `source`; returns how many events applied.

        A stored event that its contract refuses stops the rebuild and changes nothing.
        """
        applied = 0
        async with self.pool.acquire() as conn, conn.transaction():
            await self._lock(conn)
            await self.clear(conn)
            await conn.execute(
                f"DELETE FROM {self._q}.projection_positions WHERE projection = $1",  # noqa: S608
                self.name,
            )
            async for chunk in _chunks(source, batch_size):
                applied += sum(await self._apply_new(conn, self._decoded(chunk)))
        return applied

    def _decoded(self, events: Sequence[RecordedEvent]) -> list[Decoded]:
        return [Decoded(e, validate_payload(e)) for e in events if e.event_type in self.event_types]

    async def _lock(self, conn: Connection) -> None:
        await conn.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            _LOCK_CLASS,
            f"{self.schema}.{self.name}",
        )

    async def _apply_new(self, conn: Connection, events: Sequence[Decoded]) -> list[bool]:
        if not events:
            return []
        stream_ids = list({d.event.metadata.stream_id for d in events})
        rows = await conn.fetch(
            f"SELECT stream_id, version FROM {self._q}.projection_positions"  # noqa: S608
            " WHERE projection = $1 AND stream_id = ANY($2::uuid[])",
            self.name,
            stream_ids,
        )
        versions: dict[UUID, int] = {r["stream_id"]: r["version"] for r in rows}
        stored = dict(versions)
        is_new: list[bool] = []
        for d in events:
            stream, version = d.event.metadata.stream_id, d.event.metadata.stream_version
            is_new.append(version > versions.get(stream, 0))
            if is_new[-1]:
                versions[stream] = version
        await self.apply(conn, [d for d, new in zip(events, is_new, strict=True) if new])
        moved = [(s, v) for s, v in versions.items() if stored.get(s) != v]
        if moved:
            await conn.execute(
                f"INSERT INTO {self._q}.projection_positions (projection, stream_id, version)"  # noqa: S608
                " SELECT $1, s, v FROM unnest($2::uuid[], $3::bigint[]) AS t(s, v)"
                " ON CONFLICT (projection, stream_id) DO UPDATE SET version = excluded.version",
                self.name,
                [s for s, _ in moved],
                [v for _, v in moved],
            )
        return is_new


async def _chunks(
    source: Iterable[RecordedEvent] | AsyncIterable[RecordedEvent], size: int
) -> AsyncIterator[list[RecordedEvent]]:
    chunk: list[RecordedEvent] = []
    async for event in _aiter(source):
        chunk.append(event)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def _aiter(
    source: Iterable[RecordedEvent] | AsyncIterable[RecordedEvent],
) -> AsyncIterator[RecordedEvent]:
    if isinstance(source, AsyncIterable):
        async for event in source:
            yield event
    else:
        for event in source:
            yield event


async def all_events(store: EventStore, page: int = 500) -> AsyncIterator[RecordedEvent]:
    """Every committed event of `store` in global order, read page by page (for `rebuild`)."""
    after: Position | None = None
    while True:
        events = await store.read_all(after, page)
        if not events:
            # not `len < page`: a page may stop short before a transaction still in flight
            return
        for event in events:
            yield event
        after = events[-1].position


async def all_events_in(
    pool: asyncpg.Pool, schemas: Iterable[str], page: int = 500
) -> AsyncIterator[RecordedEvent]:
    """Every event of the PostgreSQL stores of `schemas`, one store after the other, each in
    its global order: a stream lives in one store, so its events stay in order (what a
    projection's `rebuild` needs)."""
    for schema in schemas:
        async for event in all_events(PostgresEventStore(pool, schema), page):
            yield event
