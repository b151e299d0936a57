"""The access record in a service's PostgreSQL schema (`migrations/0001_access_log.sql`).

Public API:
    ACCESS_MIGRATIONS                          the table, its trigger and `append_access`
    PostgresAccessLog(pool, schema)
        .append(entry) -> int                  the new entry's id (one statement)
        .append_on(connection, entry) -> int   the same inside the caller's transaction
        .page(subject, actor, before, limit) -> list[StoredEntry]   newest first
        .entries() -> AsyncIterator[StoredEntry]                    oldest first, all of them
        .verify() -> Verdict                   the chain walked from the first entry
    has_access_log(pool, schema) -> bool
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg

from lmis_shared.access.record import AccessEntry, ChainWalk, StoredEntry
from lmis_shared.migrations import load_migrations
from lmis_shared.rows import from_row
from lmis_shared.sql import in_schema

ACCESS_MIGRATIONS = load_migrations("lmis_shared.access.migrations", "access")

_APPEND = "select {s}.append_access($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
_COLUMNS = (
    "id, recorded_at, actor, role, unit, action, subjects, fields, purpose, correlation_id,"
    " trace_id, prev_hash, hash"
)
_PAGE = (
    f"select {_COLUMNS} from {{s}}.access_log"  # noqa: S608 - the schema is validated
    " where ($1::text is null or subjects @> array[$1::text])"
    " and ($2::text is null or actor = $2) and ($3::bigint is null or id < $3)"
    " order by id desc limit $4"
)
_ALL = f"select {_COLUMNS} from {{s}}.access_log order by id"  # noqa: S608
_WALK_BATCH = 1000


@dataclass(frozen=True)
class Verdict:
    entries: int
    """Entries the chain holds (before the break, if any)."""
    broken_at: int | None
    """The id of the first entry the chain does not hold; None when it holds."""
    head: bytes | None
    """The hash of the last entry the chain holds: noted elsewhere (a ticket, a report), it
    also vouches for the record's end, which no later entry does."""


class PostgresAccessLog:
    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._append = in_schema(_APPEND, schema)
        self._page = in_schema(_PAGE, schema)
        self._all = in_schema(_ALL, schema)

    async def append(self, entry: AccessEntry) -> int:
        return await self.append_on(self._pool, entry)

    async def append_on(self, connection: Any, entry: AccessEntry) -> int:
        """`append` on `connection` (a pool, or a connection inside a transaction whose
        effects the entry belongs to: the entry commits, or not, with them)."""
        new_id: int = await connection.fetchval(
            self._append,
            entry.recorded_at,
            entry.actor,
            entry.role,
            entry.unit,
            entry.action,
            list(entry.subjects),
            list(entry.fields),
            entry.purpose,
            entry.correlation_id,
            entry.trace_id,
            entry.canonical(),
        )
        return new_id

    async def page(
        self, subject: str | None, actor: str | None, before: int | None, limit: int
    ) -> list[StoredEntry]:
        rows = await self._pool.fetch(self._page, subject, actor, before, limit)
        return [_stored(row) for row in rows]

    async def entries(self) -> AsyncIterator[StoredEntry]:
        async with self._pool.acquire() as connection, connection.transaction():
            async for row in connection.cursor(self._all, prefetch=_WALK_BATCH):
                yield _stored(row)

    async def verify(self) -> Verdict:
        walk = ChainWalk()
        async for stored in self.entries():
            if not walk.holds(stored):
                return Verdict(walk.entries, stored.id, walk.head)
        return Verdict(walk.entries, None, walk.head if walk.entries else None)


def _stored(row: asyncpg.Record) -> StoredEntry:
    entry = from_row(AccessEntry, row, subjects=tuple(row["subjects"]), fields=tuple(row["fields"]))
    return StoredEntry(row["id"], entry, bytes(row["prev_hash"]), bytes(row["hash"]))


async def has_access_log(pool: asyncpg.Pool, schema: str) -> bool:
    """Whether the schema keeps an access record (the services that hold personal data)."""
    found = await pool.fetchval("select to_regclass($1)", f"{schema}.access_log")
    return found is not None
