"""Rebuilding the worker read models from the event store, the source of truth.

Each rebuild runs in one transaction that first locks its table against writers: a command
committing meanwhile waits, then upserts its newer row over the rebuilt one (upserts never
go back a version, `worker_list.py`), so nothing a command wrote is lost. The folding reads
the streams in order through a server-side cursor, one file in memory at a time.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import TypeVar
from uuid import UUID

import asyncpg

from lmis_registry.adapters import loan_list, open_files, worker_list
from lmis_registry.domain import loans, workers
from lmis_shared.commands import Aggregate, Versioned
from lmis_shared.events import EventPayload
from lmis_shared.eventstore.postgres import Connection
from lmis_shared.privacy.personal import Opener, PersonalData
from lmis_shared.sql import in_schema

_STREAMS = (
    "select stream_id, version, event_type, data::text from {s}.events"
    " where stream_type = $1 order by stream_id, version"
)
_BATCH = 1000
S = TypeVar("S", bound=Versioned)


async def rebuild_worker_list(
    pool: asyncpg.Pool, schema: str, personal: PersonalData | None = None
) -> int:
    """Replace `worker_list` with rows folded from the events; returns the number of files."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(in_schema("lock table {s}.worker_list in exclusive mode", schema))
        await conn.execute(in_schema("delete from {s}.worker_list", schema))
        count = 0
        batch: list[workers.WorkerFile] = []
        async for state in folded_files(conn, schema, personal):
            batch.append(state)
            if len(batch) == _BATCH:
                count += await _write_rows(conn, schema, batch)
        return count + await _write_rows(conn, schema, batch)


async def rebuild_open_files(
    pool: asyncpg.Pool, schema: str, secret: bytes, personal: PersonalData | None = None
) -> int:
    """Replace `open_files` from the events (after a key rotation, say); returns the claims.

    Should the events hold two open files of one citizen (written around the API), the
    first folded keeps the claim: the rebuild reports, it does not refuse.
    """
    claims: dict[str, UUID] = {}
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(in_schema("lock table {s}.open_files in exclusive mode", schema))
        await conn.execute(in_schema("delete from {s}.open_files", schema))
        async for state in folded_files(conn, schema, personal):
            key = open_files.claim_of(secret, state)
            if key is not None:
                claims.setdefault(key, state.id)
        await conn.copy_records_to_table(
            "open_files", schema_name=schema, records=list(claims.items())
        )
    return len(claims)


async def folded_files(
    conn: Connection, schema: str, personal: PersonalData | None = None
) -> AsyncIterator[workers.WorkerFile]:
    """Every worker file's current state, folded from its events (needs a transaction);
    with `personal`, the personal fields opened with the data keys (read once, up front)."""
    async for state in folded(conn, schema, workers.AGGREGATE, personal):
        yield state


async def rebuild_loan_list(pool: asyncpg.Pool, schema: str) -> int:
    """Replace `loan_list` with rows folded from the loans' events (no personal field: a
    loan names its borrower by the worker file's id); returns the loans."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(in_schema("lock table {s}.loan_list in exclusive mode", schema))
        await conn.execute(in_schema("delete from {s}.loan_list", schema))
        batch: list[loans.Loan] = []
        count = 0
        async for state in folded(conn, schema, loans.AGGREGATE):
            batch.append(state)
            if len(batch) == _BATCH:
                count += len(batch)
                await loan_list.upsert(conn, schema, batch)
                batch.clear()
        await loan_list.upsert(conn, schema, batch)
        return count + len(batch)


async def folded(
    conn: Connection, schema: str, aggregate: Aggregate[S], personal: PersonalData | None = None
) -> AsyncIterator[S]:
    """Every stream of the aggregate's type, folded from its events (needs a transaction)."""
    fold = aggregate.fold
    opener = await Opener.of(conn, personal)
    current: UUID | None = None
    events: list[tuple[int, EventPayload]] = []
    statement = in_schema(_STREAMS, schema)
    async for row in conn.cursor(statement, aggregate.stream_type, prefetch=_BATCH):
        if row["stream_id"] != current:
            if current is not None and (state := fold(current, events)) is not None:
                yield state
            current, events = row["stream_id"], []
        data = json.loads(row["data"])
        events.append((row["version"], opener.payload(row["event_type"], row["stream_id"], data)))
    if current is not None and (state := fold(current, events)) is not None:
        yield state


async def _write_rows(conn: Connection, schema: str, batch: list[workers.WorkerFile]) -> int:
    written = len(batch)
    if batch:
        records = [worker_list.row_of(s) for s in batch]
        await conn.copy_records_to_table(
            "worker_list", schema_name=schema, columns=list(worker_list.COLUMNS), records=records
        )
        batch.clear()
    return written
