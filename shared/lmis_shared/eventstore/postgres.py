"""The event store on PostgreSQL (asyncpg), one schema per service.

An append is one statement in autocommit: one round trip per command, no BEGIN/COMMIT, and
the idempotency record is written by the same statement as the events. One stream's append
is a plain INSERT that checks the version itself; a batch calls the schema's `append_events`
function (`_sql.py` says why two). Reading the global order is gap safe through transaction
ids (`migrations/0001_event_store.sql`), below the store's own horizon (`horizon.py`). Each
append made here is signalled to the relays once committed (`signal.py`).

Measured in bench/event_store.py against the `eventsourcing` library's recorder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind

from lmis_shared.events import NewEvent, RecordedEvent
from lmis_shared.eventstore import api
from lmis_shared.eventstore._args import append_args, json_text, stream_args
from lmis_shared.eventstore._plan import Plan, Recorded, StreamRecorded, plan, results, stream_rows
from lmis_shared.eventstore._sql import Statements
from lmis_shared.eventstore.errors import DuplicateCommand, DuplicateEventId, WrongExpectedVersion
from lmis_shared.eventstore.horizon import horizon
from lmis_shared.eventstore.rows import event_from_row
from lmis_shared.eventstore.signal import CommitSignal
from lmis_shared.migrations import apply_migrations, load_migrations
from lmis_shared.privacy.personal import PersonalData

_tracer = trace.get_tracer(__name__)

MIGRATIONS = load_migrations("lmis_shared.eventstore.migrations", "eventstore")

Connection = asyncpg.Connection | PoolConnectionProxy
"""A connection of our own, or one a caller holds (possibly in its transaction)."""

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool reset that skips asyncpg's default reset query (a round trip per release).

    asyncpg still rolls back an open transaction on release. Code on these pools must not
    leave session state behind: no session-level SET, LISTEN or session advisory locks.
    """


async def create_pool(
    dsn: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    idle_in_transaction_timeout: str = "60s",
) -> asyncpg.Pool:
    """A pool for the event store and its neighbours.

    An idle transaction is ended by the server after `idle_in_transaction_timeout`: one left
    open would hold back every reader's snapshot xmin, and with it `read_all`, for ever.
    """
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        server_settings={"idle_in_transaction_session_timeout": idle_in_transaction_timeout},
        reset=_keep_session,
    )
    assert pool is not None
    return pool


class PostgresEventStore(api.EventStore):
    """With `personal`, the personal fields of events are sealed in every append (in its
    transaction) and opened by `read_stream`; `read_all` (the relay's) never opens them."""

    def __init__(
        self, pool: asyncpg.Pool, schema: str, personal: PersonalData | None = None
    ) -> None:
        self._pool = pool
        self._schema = schema
        self._sql = Statements.for_schema(schema)
        self._personal = personal
        self.signal = CommitSignal(pool, schema)  # the relays hear of each commit (signal.py)

    @classmethod
    async def migrate(cls, pool: asyncpg.Pool, schema: str) -> list[str]:
        """Create the schema and the store's tables, or bring them up to date."""
        return await apply_migrations(pool, schema, MIGRATIONS)

    async def append_stream(
        self, item: api.StreamAppend, idempotency: api.IdempotencyRecord | None
    ) -> api.AppendResult:
        with self._span(item):
            async with self._pool.acquire() as conn:
                result = await self._append_one(conn, item, idempotency)
        self.signal.committed([result])
        return result

    async def append_in(
        self,
        conn: Connection,
        stream_id: UUID,
        stream_type: str,
        expected_version: int,
        events: Sequence[NewEvent],
        context: api.AppendContext,
        *,
        idempotency: api.IdempotencyRecord | None = None,
    ) -> api.AppendResult:
        """`append` on the caller's connection, inside the caller's transaction if one is open.

        For a handler that must write a row of its own atomically with the events. Append
        first, write after: if the transaction wrote before, a concurrent append to the same
        stream can make this one fail with WrongExpectedVersion (see `append_events`), and a
        refusal leaves the caller's transaction to roll back. An earlier write must be in this
        schema: the relays' horizon waits for transactions that touched it (`horizon.py`)."""
        item = api.StreamAppend(stream_id, stream_type, expected_version, events, context)
        with self._span(item):
            return await self._append_one(conn, item, idempotency)

    async def append_many_in(
        self, conn: Connection, batch: Sequence[api.StreamAppend]
    ) -> list[api.AppendResult]:
        """`append_many` on the caller's connection, inside its transaction: every stream's
        events (each with its own context) in ONE statement, all or none (`append_in`'s rule
        holds: append before the transaction's other writes)."""
        if not batch:
            return []
        return await self._append(conn, batch, None)

    def _span(self, item: api.StreamAppend) -> AbstractContextManager[Span]:
        """The append's span, child of the command's: ids and counts only, never data.

        Made current by `use_span`, which is what `start_as_current_span` does under its two
        layers of context managers (the proxy's and the tracer's): 2.2 µs against 4.4 with
        no tracer provider set, as in bench/event_store.py."""
        span = _tracer.start_span(
            "eventstore.append",
            kind=SpanKind.CLIENT,
            attributes={
                "db.system": "postgresql",
                "db.namespace": self._schema,
                "lmis.stream_type": item.stream_type,
                "lmis.event_count": len(item.events),
            },
        )
        return trace.use_span(span, end_on_exit=True)

    async def append_many(self, batch: Sequence[api.StreamAppend]) -> list[api.AppendResult]:
        if not batch:
            return []
        async with self._pool.acquire() as conn:
            results = await self._append(conn, batch, None)
        self.signal.committed(results)
        return results

    async def read_stream(self, stream_id: UUID) -> list[RecordedEvent]:
        if self._personal is None:
            return [
                event_from_row(r) for r in await self._pool.fetch(self._sql.read_stream, stream_id)
            ]
        rows = await self._pool.fetch(self._sql.read_stream_with_key, stream_id)
        if not rows:
            return []
        key = self._personal.data_key(rows[0]["wrapped_key"], rows[0]["master_key_id"])
        return [self._personal.open_recorded(event_from_row(r), {stream_id: key}) for r in rows]

    async def read_all(self, after: api.Position | None, limit: int = 500) -> list[RecordedEvent]:
        tx_id, seq = after or (0, 0)
        below = await horizon(self._pool, self._schema)  # then a new snapshot: horizon.py
        rows = await self._pool.fetch(self._sql.read_all, tx_id, seq, limit, below)
        return [event_from_row(r) for r in rows]

    async def find_response(
        self, key: str, not_before: datetime | None = None
    ) -> api.StoredResponse | None:
        if not_before is None:
            row = await self._pool.fetchrow(self._sql.find_response, key)
        else:  # one statement: drops the expired record, returns a live one
            row = await self._pool.fetchrow(self._sql.find_live_response, key, not_before)
        return None if row is None else _stored(row)

    async def forget_responses(self, before: datetime) -> int:
        status = await self._pool.execute(self._sql.forget_responses, before)
        return int(status.split()[-1])

    async def _append_one(
        self, conn: Connection, item: api.StreamAppend, idempotency: api.IdempotencyRecord | None
    ) -> api.AppendResult:
        """One stream's append as one INSERT: a row per event written, none if refused."""
        if not item.events:  # no row to tell success from refusal: the function says which
            [result] = await self._append(conn, [item], idempotency)
            return result
        planned = None
        if self._personal is None:  # no dict of the data needed: see `_payload_json`
            rows = stream_rows(item, [_payload_json(e) for e in item.events])
        else:
            planned = await self._plan(conn, [item])
            rows = stream_rows(item, [json_text(e.data) for e in planned.events])
        sql, args = stream_args(self._sql, rows, idempotency)
        checks = [(item.stream_id, item.expected_version)]
        try:
            written = await conn.fetch(sql, *args)
        except asyncpg.UniqueViolationError as e:
            raise await self._refusal(_reader(conn, self._pool), checks, idempotency, e) from None
        if not written:
            raise await self._refusal(conn, checks, idempotency, None)
        positions = [(r[0], r[1]) for r in written]
        if planned is None:
            events: Recorded = StreamRecorded(rows, positions)
        else:
            events = Recorded(planned.events, positions)
        return api.AppendResult(item.stream_id, item.expected_version + len(positions), events)

    async def _append(
        self,
        conn: Connection,
        batch: Sequence[api.StreamAppend],
        idempotency: api.IdempotencyRecord | None,
    ) -> list[api.AppendResult]:
        planned = await self._plan(conn, batch)
        args = append_args(planned, idempotency, batch[0].context if batch else None)
        try:
            row = await conn.fetchrow(self._sql.append, *args)
        except asyncpg.UniqueViolationError as e:
            raise await self._refusal(
                _reader(conn, self._pool), planned.checks, idempotency, e
            ) from None
        assert row is not None
        if row["ok"] and (idempotency is None or row["idem_applied"]):
            position_of = [(row["tx_id"], seq) for seq in row["seqs"] or []]
            return results(batch, planned.events, position_of)
        raise await self._refusal(conn, planned.checks, idempotency, row["actuals"])

    async def _plan(self, conn: Connection, batch: Sequence[api.StreamAppend]) -> Plan:
        """The batch's rows, personal fields sealed (a key made or destroyed on `conn`)."""
        planned = plan(batch)
        if self._personal is None:
            return planned
        sealed = await self._personal.seal(conn, planned.events)
        events = [e._replace(data=d) for e, d in zip(planned.events, sealed, strict=True)]
        return Plan(planned.checks, events)

    async def _refusal(
        self,
        reader: Connection | asyncpg.Pool,
        checks: Sequence[tuple[UUID, int]],
        idempotency: api.IdempotencyRecord | None,
        refused: asyncpg.UniqueViolationError | list[int] | None,
    ) -> DuplicateEventId | DuplicateCommand | WrongExpectedVersion:
        """Why an append did not happen: an event id already stored, a key already applied,
        else a conflict. `refused` is the violation, or the versions the function found.

        Looks on `reader`: the writer's connection, unless it sits in an aborted transaction
        (`_reader`).
        """
        if isinstance(refused, asyncpg.UniqueViolationError):
            if refused.constraint_name == "events_event_id":
                found = _UUID.search(refused.detail or "")
                return DuplicateEventId(UUID(found[0]) if found else None)
            refused = None  # lost a race for a version: look again below
        if idempotency is not None:
            row = await reader.fetchrow(self._sql.find_response, idempotency.key)
            if row is not None:
                return DuplicateCommand(_stored(row))
        actuals = refused
        if actuals is None:
            actuals = [await reader.fetchval(self._sql.version, s) for s, _ in checks]
        for (stream_id, expected), actual in zip(checks, actuals, strict=True):
            if actual != expected:
                return WrongExpectedVersion(stream_id, expected, actual)
        # every stream is where it was expected: a writer got in between and out again
        stream_id, expected = checks[0]
        return WrongExpectedVersion(stream_id, expected, None)


def _reader(conn: Connection, pool: asyncpg.Pool) -> Connection | asyncpg.Pool:
    """Where to look after a refusal: the writer's connection, unless the refusal aborted the
    caller's transaction on it (then the pool: a connection of the store's own)."""
    return pool if conn.is_in_transaction() else conn


def _payload_json(event: NewEvent) -> str:
    """The event's data as the store writes it, by pydantic's serialiser (Rust) without the dict
    that `model_dump` makes for Python's `json` to encode (1.0 µs an event against 2.2,
    measured). The same JSON value: tests/integration/test_event_store_json.py reads it back."""
    return event.payload.model_dump_json()


def _stored(row: asyncpg.Record) -> api.StoredResponse:
    return api.StoredResponse(row["status_code"], json.loads(row["response"]), row["fingerprint"])
