"""`PostgresStreams`: the command path's `Streams` in one PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import asyncpg

from lmis_shared.commands.streams import Change, EventStoreStreams, ReadModel, S
from lmis_shared.eventstore.api import AppendResult
from lmis_shared.eventstore.postgres import Connection, PostgresEventStore
from lmis_shared.privacy.personal import PersonalData


class PostgresStreams(EventStoreStreams[S]):
    """Streams in one PostgreSQL schema: each change's guard, append and read-model writes in
    ONE transaction, so a read model never disagrees with the event store."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        read_model: ReadModel[S] | None = None,
        personal: PersonalData | None = None,
    ) -> None:
        self._postgres = PostgresEventStore(pool, schema, personal)
        super().__init__(self._postgres, read_model)
        self._pool = pool

    async def save(self, change: Change[S]) -> None:
        await self.save_all([change])

    async def save_all(self, changes: Sequence[Change[S]]) -> None:
        """Every change or none, in one transaction (in stream id order: two such batches
        lock their streams in the same order)."""
        appended: list[AppendResult] = []

        async def append(conn: Connection, *args: Any, **kwargs: Any) -> None:
            appended.append(await self._postgres.append_in(conn, *args, **kwargs))

        async with self._pool.acquire() as conn, conn.transaction():
            for change in sorted(changes, key=lambda c: c.stream_id):
                await self._save(change, conn, partial(append, conn))
        self._postgres.signal.committed(appended)  # committed now: the relay may read them
