"""Rebuilding the worker read models from the event store, the source of truth, in chunks.

A rebuild must not stop the service: no table lock for its whole run (commands would wait)
and no long writing transaction (it would hold `pg_snapshot_xmin` back, and every relay of
the cluster with it). So the files are taken `CHUNK` streams at a time, in stream id order,
each chunk in a short transaction of its own that reads the chunk's events and writes its
rows, and `between_chunks` (a test's hook) runs with no transaction open:

* `worker_list`: each file's row is upserted at its folded version, over the same or an older
  version only (`worker_list.REBUILT_UPSERT`); a command committing meanwhile upserts a newer
  version over it, and a newer row a command wrote first is kept. Rows of files without
  events are deleted at the end.
* `open_files`: claims are keyed with the current lookup key (rebuilt after a rotation). A
  chunk takes `share row exclusive` on the table for its own few milliseconds, so a command
  moving a claim of one of its files either committed before (the chunk reads its events) or
  waits and moves the claim after the chunk wrote. Claims of files without events go at the
  end. Should the events hold two open files of one citizen (written around the API), the
  first folded keeps the claim: the rebuild reports, it does not refuse.

* `loan_list`: as `worker_list`, each loan's row at its folded version (`loan_list.
  REBUILT_UPSERT`), chunk by chunk; rows of loans without events go at the end.

The register of sending organisations (`rebuild_sender_list`) is still rebuilt in one
transaction under a table lock: organisations are few, and their commands wait only for its
length.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar
from uuid import UUID

import asyncpg

from lmis_registry.adapters import loan_list, open_files, sender_list, worker_list
from lmis_registry.domain import loans, senders, workers
from lmis_shared.commands import Aggregate, Versioned
from lmis_shared.events import EventPayload
from lmis_shared.eventstore.postgres import Connection
from lmis_shared.privacy.personal import Opener, PersonalData
from lmis_shared.sql import in_schema

CHUNK = 500
"""Streams per transaction: a few milliseconds of work, whatever the store's size."""
_CHUNK_IDS = (
    "select distinct stream_id from {s}.events where stream_type = $3"
    " and ($1::uuid is null or stream_id > $1) order by stream_id limit $2"
)
_CHUNK_EVENTS = (
    "select stream_id, version, event_type, data::text from {s}.events"
    " where stream_id = any($1::uuid[]) order by stream_id, version"
)
_ORPHAN_ROWS = (
    "delete from {s}.{t} r where not exists (select 1 from {s}.events e where e.stream_id = r.{id})"
)
_DROPPED_ROWS = "delete from {s}.{t} where {id} = any($1::uuid[])"
_CHUNK_CLAIMS_RELEASED = "delete from {s}.open_files where worker_id = any($1::uuid[])"
_CLAIMED = (
    "insert into {s}.open_files (citizen_key, worker_id)"
    " select * from unnest($1::text[], $2::uuid[]) on conflict (citizen_key) do nothing"
)

_STREAMS = (
    "select stream_id, version, event_type, data::text from {s}.events"
    " where stream_type = $1 order by stream_id, version"
)
_BATCH = 1000
S = TypeVar("S", bound=Versioned)
Hook = Callable[[], Awaitable[None]]
Chunk = Callable[[Connection, list[UUID], list[S]], Awaitable[int]]


async def rebuild_worker_list(
    pool: asyncpg.Pool,
    schema: str,
    personal: PersonalData | None = None,
    *,
    chunk: int = CHUNK,
    between_chunks: Hook | None = None,
) -> int:
    """Rewrite `worker_list` from the events, chunk by chunk (with `personal`, the personal
    fields opened with the data keys); returns the number of files."""

    write = _list_rows(schema, "worker_list", worker_list.REBUILT_UPSERT, worker_list.row_of)
    count = await _chunked(pool, schema, personal, chunk, between_chunks, write, workers.AGGREGATE)
    await pool.execute(_orphans(schema, "worker_list"))
    return count


def _list_rows(
    schema: str, table: str, upsert: str, row_of: Callable[[S], tuple[Any, ...]]
) -> Chunk[S]:
    """A chunk's write into a list table: each state's row at its version, the rows of
    streams that fold to nothing dropped."""

    async def write(conn: Connection, ids: list[UUID], states: list[S]) -> int:
        await _rewrite(conn, schema, table, ids, states)
        await conn.executemany(in_schema(upsert, schema), [row_of(s) for s in states])
        return len(states)

    return write


async def _rewrite(
    conn: Connection, schema: str, table: str, ids: list[UUID], states: Sequence[Versioned]
) -> None:
    """Drop the chunk's rows of streams that fold to nothing."""
    folded = {s.id for s in states}
    dropped = _DROPPED_ROWS.replace("{t}", table).replace("{id}", _ID_COLUMN[table])
    await conn.execute(in_schema(dropped, schema), [i for i in ids if i not in folded])


_ID_COLUMN = {"worker_list": "worker_id", "open_files": "worker_id", "loan_list": "loan_id"}


def _orphans(schema: str, table: str) -> str:
    return in_schema(_ORPHAN_ROWS.replace("{t}", table).replace("{id}", _ID_COLUMN[table]), schema)


async def rebuild_open_files(
    pool: asyncpg.Pool,
    schema: str,
    secret: bytes,
    personal: PersonalData | None = None,
    *,
    chunk: int = CHUNK,
    between_chunks: Hook | None = None,
) -> int:
    """Rewrite `open_files` from the events with `secret` (after a key rotation, say), chunk
    by chunk; returns the claims written."""

    async def write(conn: Connection, ids: list[UUID], files: list[workers.WorkerFile]) -> int:
        claims = [(key, f.id) for f in files if (key := open_files.claim_of(secret, f))]
        await conn.execute(in_schema(_CHUNK_CLAIMS_RELEASED, schema), ids)
        await conn.execute(
            in_schema(_CLAIMED, schema), [k for k, _ in claims], [i for _, i in claims]
        )
        return len(claims)

    count = await _chunked(
        pool, schema, personal, chunk, between_chunks, write, workers.AGGREGATE, lock="open_files"
    )
    await pool.execute(_orphans(schema, "open_files"))
    return count


async def _chunked(
    pool: asyncpg.Pool,
    schema: str,
    personal: PersonalData | None,
    size: int,
    between_chunks: Hook | None,
    write: Chunk[S],
    aggregate: Aggregate[S],
    lock: str | None = None,
) -> int:
    count = 0
    last: UUID | None = None
    while True:
        async with pool.acquire() as conn, conn.transaction():
            if lock is not None:
                await conn.execute(
                    in_schema(f"lock table {{s}}.{lock} in share row exclusive mode", schema)
                )
            ids: list[UUID] = [
                r["stream_id"]
                for r in await conn.fetch(
                    in_schema(_CHUNK_IDS, schema), last, size, aggregate.stream_type
                )
            ]
            if not ids:
                return count
            rows = await conn.fetch(in_schema(_CHUNK_EVENTS, schema), ids)
            # the chunk's own data keys, read with its events (a file made meanwhile has one)
            keys = await personal.data_keys(conn, ids) if personal is not None else {}
            count += await write(conn, ids, _folded(aggregate, rows, Opener(personal, keys)))
        last = ids[-1]
        if between_chunks is not None:
            await between_chunks()


def _folded(aggregate: Aggregate[S], rows: Sequence[asyncpg.Record], opener: Opener) -> list[S]:
    """The streams of `rows` (events in stream and version order) folded to their state."""
    streams = _Streams(aggregate, opener)
    found = [state for row in rows if (state := streams.add(row)) is not None]
    last = streams.finish()
    return found if last is None else [*found, last]


class _Streams(Generic[S]):
    """Event rows in stream and version order, folded one stream at a time: a stream's state
    comes out when the first row of the next one goes in (`add`), the last one's at `finish`."""

    def __init__(self, aggregate: Aggregate[S], opener: Opener) -> None:
        self._fold = aggregate.fold
        self._opener = opener
        self._stream: UUID | None = None
        self._events: list[tuple[int, EventPayload]] = []

    def add(self, row: asyncpg.Record) -> S | None:
        """Takes the row's event; the state of the stream before it if the row opens another."""
        done = None
        if row["stream_id"] != self._stream:
            done = self.finish()
            self._stream, self._events = row["stream_id"], []
        data = json.loads(row["data"])
        payload = self._opener.payload(row["event_type"], row["stream_id"], data)
        self._events.append((row["version"], payload))
        return done

    def finish(self) -> S | None:
        return None if self._stream is None else self._fold(self._stream, self._events)


async def rebuild_loan_list(
    pool: asyncpg.Pool, schema: str, *, chunk: int = CHUNK, between_chunks: Hook | None = None
) -> int:
    """Rewrite `loan_list` from the loans' events (no personal field: a loan names its
    borrower by the worker file's id), chunk by chunk; returns the loans."""

    write = _list_rows(schema, "loan_list", loan_list.REBUILT_UPSERT, loan_list.row_of)
    count = await _chunked(pool, schema, None, chunk, between_chunks, write, loans.AGGREGATE)
    await pool.execute(_orphans(schema, "loan_list"))
    return count


async def rebuild_sender_list(pool: asyncpg.Pool, schema: str) -> int:
    """Replace `sending_organisations` with rows folded from the register's events."""
    table, aggregate = "sending_organisations", senders.AGGREGATE
    return await _rebuild_table(pool, schema, table, aggregate, sender_list.upsert)


async def _rebuild_table(
    pool: asyncpg.Pool,
    schema: str,
    table: str,
    aggregate: Aggregate[S],
    upsert: Callable[[Connection, str, Sequence[S]], Awaitable[None]],
) -> int:
    """Replace `table` (a constant of this module) in one transaction under a table lock,
    with `upsert`'s rows of every stream of `aggregate`; returns the streams."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(in_schema(f"lock table {{s}}.{table} in exclusive mode", schema))
        await conn.execute(in_schema(f"delete from {{s}}.{table}", schema))  # noqa: S608
        batch: list[S] = []
        count = 0
        async for state in folded(conn, schema, aggregate):
            batch.append(state)
            if len(batch) == _BATCH:
                count += len(batch)
                await upsert(conn, schema, batch)
                batch.clear()
        await upsert(conn, schema, batch)
        return count + len(batch)


async def folded(
    conn: Connection, schema: str, aggregate: Aggregate[S], personal: PersonalData | None = None
) -> AsyncIterator[S]:
    """Every stream of the aggregate's type, folded from its events (needs a transaction)."""
    streams = _Streams(aggregate, await Opener.of(conn, personal))
    statement = in_schema(_STREAMS, schema)
    async for row in conn.cursor(statement, aggregate.stream_type, prefetch=_BATCH):
        if (state := streams.add(row)) is not None:
            yield state
    if (state := streams.finish()) is not None:
        yield state
