"""The worker files on PostgreSQL: each command's events, its open-file claim and its list row
in ONE transaction, so the read model and the one-open-file rule never disagree with the
event store.

The append comes first in the transaction (`PostgresEventStore.append_in` explains why); a
refused claim (`OpenFileExists`) rolls the append back with it.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from lmis_registry.adapters import open_files, worker_list
from lmis_registry.adapters.migrations import MIGRATIONS
from lmis_registry.application.worker_ports import FileChange
from lmis_shared.events import RecordedEvent
from lmis_shared.eventstore import PostgresEventStore, StoredResponse
from lmis_shared.migrations import apply_migrations

STREAM_TYPE = "worker"


class PostgresWorkerFiles:
    """Implements the application's `WorkerRepository` port."""

    def __init__(self, pool: asyncpg.Pool, schema: str, lookup_secret: bytes) -> None:
        self._pool = pool
        self._schema = schema
        self._secret = lookup_secret
        self._store = PostgresEventStore(pool, schema)

    @staticmethod
    async def migrate(pool: asyncpg.Pool, schema: str) -> list[str]:
        """The event store's tables, then the worker files' own (`migrations/`)."""
        done = await PostgresEventStore.migrate(pool, schema)
        return done + await apply_migrations(pool, schema, MIGRATIONS)

    async def events(self, worker_id: UUID) -> list[RecordedEvent]:
        return await self._store.read_stream(worker_id)

    async def find_response(self, key: str) -> StoredResponse | None:
        return await self._store.find_response(key)

    async def save(self, change: FileChange) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await self._store.append_in(
                conn,
                change.worker_id,
                STREAM_TYPE,
                change.expected_version,
                change.events,
                change.context,
                idempotency=change.idempotency,
            )
            await open_files.sync(conn, self._schema, self._secret, change.before, change.after)
            await worker_list.upsert(conn, self._schema, [change.after])
