"""Imported worker files on PostgreSQL: a whole batch of new files in ONE transaction, with
their events (one `append_events` statement for all), open-file claims and list rows.

As for a single command (`worker_files.py`), the append comes first and a refused claim rolls
everything back. Rows are taken in id order and claims in key order so that two imports
writing overlapping batches wait for each other instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

import asyncpg

from lmis_registry.adapters import open_files, worker_list
from lmis_registry.application.imports import import_file_id
from lmis_registry.domain.workers import OpenFileExists, WorkerFile
from lmis_shared.commands import Change
from lmis_shared.eventstore import AppendResult, StreamAppend
from lmis_shared.eventstore.postgres import Connection, PostgresEventStore
from lmis_shared.imports.postgres import opened_by
from lmis_shared.privacy.personal import PersonalData
from lmis_shared.sql import in_schema

_OPEN = "select citizen_key from {s}.open_files where citizen_key = any($1::text[])"
_CLAIM_ALL = (
    "with claimed as (insert into {s}.open_files (citizen_key, worker_id)"
    " select * from unnest($1::text[], $2::uuid[])"
    " on conflict (citizen_key) do nothing returning 1)"
    " select count(*) from claimed"
)


class _BatchStore(PostgresEventStore):
    """`append_many` on the caller's connection, inside its transaction (as `append_in` is
    for one stream). A public `PostgresEventStore.append_many_in` would replace this."""

    async def append_many_in(
        self, conn: Connection, batch: Sequence[StreamAppend]
    ) -> list[AppendResult]:
        return await self._append(conn, batch, None) if batch else []


class PostgresBulkFiles:
    """Implements the application's `BulkFiles` port."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        lookup_secret: bytes,
        personal: PersonalData | None = None,
    ) -> None:
        self._pool = pool
        self._schema = schema
        self._secret = lookup_secret
        self._store = _BatchStore(pool, schema, personal)

    def file_id(self, citizen_id: str, registered_on: date) -> UUID:
        return import_file_id(open_files.citizen_key(self._secret, citizen_id), registered_on)

    async def existing(self, file_ids: Sequence[UUID]) -> dict[UUID, UUID]:
        return await opened_by(self._pool, self._schema, file_ids)

    async def with_open_file(self, citizen_ids: Sequence[str]) -> set[str]:
        by_key = {open_files.citizen_key(self._secret, c): c for c in citizen_ids}
        rows = await self._pool.fetch(in_schema(_OPEN, self._schema), list(by_key))
        return {by_key[r["citizen_key"]] for r in rows}

    async def save_new(self, changes: Sequence[Change[WorkerFile]]) -> None:
        if not changes:
            return
        ordered = sorted(changes, key=lambda c: c.stream_id)
        appends = [
            StreamAppend(c.stream_id, c.stream_type, c.expected_version, c.events, c.context)
            for c in ordered
        ]
        claims = sorted(
            (key, c.stream_id)
            for c in ordered
            if (key := open_files.claim_of(self._secret, c.after)) is not None
        )
        async with self._pool.acquire() as conn, conn.transaction():
            await self._store.append_many_in(conn, appends)
            await self._claim(conn, claims)
            await conn.copy_records_to_table(
                "worker_list",
                schema_name=self._schema,
                columns=list(worker_list.COLUMNS),
                records=[worker_list.row_of(c.after) for c in ordered],
            )

    async def _claim(self, conn: Connection, claims: list[tuple[str, UUID]]) -> None:
        if not claims:
            return
        claimed = await conn.fetchval(
            in_schema(_CLAIM_ALL, self._schema), [k for k, _ in claims], [w for _, w in claims]
        )
        if claimed != len(claims):  # a citizen's file was opened meanwhile: roll back
            raise OpenFileExists()
