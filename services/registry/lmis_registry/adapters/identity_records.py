"""The population register's answers about imported files, saved a batch at a time on
PostgreSQL (the application's `IdentityRecords` port, `import_identities.py`).

`PostgresStreams.save_all` saves a batch change by change: an INSERT of each file's event
and an upsert of its list row, about a millisecond a file (measured: a 10,000-row import
took 7 times as long with the local register as without). Here the batch's events go in ONE
append statement (`append_many_in`: each file's expected version checked in it, sealed as
every append is) and its list rows in one `executemany`, in one transaction, as the append
first and the read model after, like every save. An identity answer moves no open-file
claim (a file stays open or closed), which `sync` checks per file without a statement.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from lmis_registry.adapters import open_files, worker_list
from lmis_registry.domain.workers import WorkerFile
from lmis_shared.commands import Change
from lmis_shared.commands.postgres import PostgresStreams
from lmis_shared.eventstore.api import StreamAppend
from lmis_shared.eventstore.postgres import PostgresEventStore


class PostgresIdentityRecords:
    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        lookup_secret: bytes,
        store: PostgresEventStore,
        files: PostgresStreams[WorkerFile],
    ) -> None:
        self._pool = pool
        self._schema = schema
        self._secret = lookup_secret
        self._store = store
        self._files = files

    async def save_all(self, changes: Sequence[Change[WorkerFile]]) -> None:
        """Every change or none; a file changed meanwhile raises WrongExpectedVersion."""
        if not changes:
            return
        ordered = sorted(changes, key=lambda c: c.stream_id)  # lock order, as save_all's
        batch = [
            StreamAppend(c.stream_id, c.stream_type, c.expected_version, c.events, c.context)
            for c in ordered
        ]
        async with self._pool.acquire() as conn, conn.transaction():
            appended = await self._store.append_many_in(conn, batch)
            for c in ordered:
                await open_files.sync(conn, self._schema, self._secret, c.before, c.after)
            await worker_list.upsert(conn, self._schema, [c.after for c in ordered])
        self._store.signal.committed(appended)  # committed now: the relays may read them

    async def save(self, change: Change[WorkerFile]) -> None:
        await self._files.save(change)
