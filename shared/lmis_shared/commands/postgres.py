"""`PostgresStreams`: the command path's `Streams` in one PostgreSQL schema."""

from __future__ import annotations

from typing import Generic
from uuid import UUID

import asyncpg

from lmis_shared.commands.streams import Change, NoReadModel, ReadModel, S
from lmis_shared.events import RecordedEvent
from lmis_shared.eventstore import PostgresEventStore, StoredResponse


class PostgresStreams(Generic[S]):
    """Streams in one PostgreSQL schema: each change's guard, append and read-model writes in
    ONE transaction, so a read model never disagrees with the event store."""

    def __init__(
        self, pool: asyncpg.Pool, schema: str, read_model: ReadModel[S] | None = None
    ) -> None:
        self._pool = pool
        self.store = PostgresEventStore(pool, schema)
        self._read_model: ReadModel[S] = read_model or NoReadModel()

    async def read(self, stream_id: UUID) -> list[RecordedEvent]:
        return await self.store.read_stream(stream_id)

    async def find_response(self, key: str) -> StoredResponse | None:
        return await self.store.find_response(key)

    async def save(self, change: Change[S]) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await self._read_model.guard(conn, change)
            await self.store.append_in(
                conn,
                change.stream_id,
                change.stream_type,
                change.expected_version,
                change.events,
                change.context,
                idempotency=change.idempotency,
            )
            await self._read_model.apply(conn, change)
