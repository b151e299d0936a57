"""Exact projections in PostgreSQL: effects and positions commit in one transaction.

Kafka delivers at least once, and the embedded broker is refilled from the event stores after
every restart, so a projection sees the same event many times. It must count it once. Each
projection records, per stream, the last version it applied (`projection_positions`); a batch
of events is applied in ONE transaction that
  1. takes the projection's advisory lock (one writer at a time: two workers during a
     rebalance, or a rebuild next to the live processor, cannot both apply an event),
  2. reads the stored versions of the batch's streams and judges each event against its
     stream's (`versions.py`): a redelivery or a replay is skipped, so is a duplicate inside
     the batch; the next version is applied, a gap or a version this code cannot read yet
     is parked, and parked events that now come next follow in order,
  3. applies the kept events' effects (the subclass's `apply`),
  4. upserts the streams' new versions (and the parked events, if any moved).
A crash anywhere rolls back all four; the events come again and are judged again. Kafka keys
records by stream id, so one stream's events arrive in version order. Events of types the
projection does not apply (`Passing`) are handed over too: they hold versions of the stream.

`rebuild` empties the projection's tables and positions and replays a source (the event
store's `read_all`, or a list) in the same single transaction under the same lock: readers see
the old numbers until it commits, and the live processor waits, then skips what the rebuild
applied. Same code path, same numbers.

Round trips are what a batch waits on (the processor spends most of its time in them), so
`process` sends BEGIN and the lock as one message (`_locked`), and the subclass's `apply` is
expected to write its effects in as few statements as it can. A batch of the reporting
projection makes six: BEGIN with the lock, the versions, the facts, the effects, the
positions, COMMIT (`tests/integration/test_projection_round_trips.py` pins it).
"""

from __future__ import annotations

import contextlib
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
from lmis_shared.processing.decoding import Arrival, Decoded, arrival
from lmis_shared.processing.versions import PARKED_MIGRATION, StreamVersions, plan

Connection = asyncpg.Connection | PoolConnectionProxy

_LOCK_CLASS = 0x4C4D5052  # "LMPR": projection locks, apart from the migration runner's
PROJECTION_LOCK_CLASS = _LOCK_CLASS
"""The projection locks' class (a subclass adds its own locks in `_lock_keys`)."""

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

POSITIONS_MIGRATIONS = (POSITIONS_MIGRATION, POSITIONS_BIGINT_MIGRATION, PARKED_MIGRATION)
"""The tables of every projection's schema: positions, and the events parked (`versions.py`)."""


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
        self._versions = StreamVersions(self._q, self.name)
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
            [*POSITIONS_MIGRATIONS, *self.migrations()],
        )

    async def process(self, events: Sequence[Arrival]) -> list[bool]:
        """Apply a batch in one transaction; for each event, whether it was applied."""
        if not events:
            return []
        async with self.pool.acquire() as conn, self._locked(conn):
            return await self._apply_new(conn, events)

    async def resume_parked(self) -> int:
        """Apply the parked events that this code reads now (an upcaster deployed since they
        were parked), in order; set `lmis_parked_events`. Returns how many were applied."""
        async with self.pool.acquire() as conn, conn.transaction():
            await self._lock(conn)
            streams = await self._versions.waking(conn)
            applied = len(await self._apply_new(conn, [], wake=streams)) if streams else 0
            await self._versions.report(conn)
        return applied

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
            await self._versions.forget(conn)
            async for chunk in _chunks(source, batch_size):
                applied += sum(await self._apply_new(conn, self._decoded(chunk)))
        return applied

    def _decoded(self, events: Sequence[RecordedEvent]) -> list[Arrival]:
        return [self._readable(e) for e in events]

    def _readable(self, event: RecordedEvent) -> Arrival:
        return arrival(event, self.event_types)

    def _lock_keys(self) -> list[tuple[int, str]]:
        """The advisory locks every path to `apply` and `clear` takes first (class, key): the
        projection's own; a subclass that needs another one too adds it here."""
        return [(_LOCK_CLASS, f"{self.schema}.{self.name}")]

    def _lock_statement(self) -> str:
        """One statement taking `_lock_keys`, the keys as literals: it goes with BEGIN in one
        simple-protocol message, which takes no bind parameters (the keys are made from the
        code's and the settings' names, never a request's)."""
        locks = ", ".join(
            f"pg_advisory_xact_lock({lock_class}, hashtext({_text(key)}))"
            for lock_class, key in self._lock_keys()
        )
        return f"SELECT {locks}"

    async def _lock(self, conn: Connection) -> None:
        await conn.execute(self._lock_statement())

    @contextlib.asynccontextmanager
    async def _locked(self, conn: Connection) -> AsyncIterator[None]:
        """A transaction holding the projection's locks, opened in one round trip."""
        try:
            await conn.execute(f"BEGIN; {self._lock_statement()}")
            yield
        except BaseException:
            # a broken or busy connection cannot roll back: the pool's release discards it
            with contextlib.suppress(Exception):
                await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")

    async def _apply_new(
        self, conn: Connection, events: Sequence[Arrival], wake: Sequence[UUID] = ()
    ) -> list[bool]:
        """For each of `events`, whether it was applied; `wake`: streams whose parked events
        to try again. Returns, with `wake`, one True per parked event applied."""
        if not events and not wake:
            return []
        streams = list({*wake, *(a.event.metadata.stream_id for a in events)})
        positions, parked = await self._versions.read(conn, streams)
        done = plan(events, positions, parked, self._readable, wake)
        await self.apply(conn, done.to_apply)
        await self._versions.write(conn, done)
        if done.park or done.unpark:
            await self._versions.report(conn)
        return done.applied if events else [True] * len(done.unpark)


def _text(value: str) -> str:
    """`value` as an SQL string literal (standard-conforming strings: quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


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
