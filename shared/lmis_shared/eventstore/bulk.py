"""New streams appended in bulk (an import's): their events written with COPY, on the caller's
connection and in its transaction, sealed per person as every append is.

A new stream (expected version 0) needs no version check beyond the events' primary key
(stream_id, version): a stream that exists, or that a racing writer creates first, violates
it, and the COPY fails whole, taking the caller's transaction with it. That is the check
`append_events` makes, without its per-stream lookups, so a batch of new streams can be
COPYed. The rows take the transaction's id and the identity's sequence like any append's,
so the global order stays gap safe. Each stream's subject gets its data key
(`PersonalData.seal_new_subjects`), stored by the same transaction with COPY too: a subject
that has a key already (its stream exists) violates that table's primary key the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg
from pydantic_core import to_json

from lmis_shared.eventstore import copy_rows
from lmis_shared.eventstore._plan import PlannedEvent as PlannedEvent  # an import numbers its own
from lmis_shared.eventstore._plan import plan
from lmis_shared.eventstore.api import StreamAppend
from lmis_shared.eventstore.errors import WrongExpectedVersion
from lmis_shared.eventstore.postgres import Connection
from lmis_shared.eventstore.rows import EVENT_COLUMNS, KEY_COLUMNS
from lmis_shared.privacy.personal import PersonalData
from lmis_shared.privacy.postgres import copy_new_keys

_TRANSACTION = "select pg_current_xact_id()::text::bigint"


def _json(data: object) -> str:
    """Compact JSON, non-ASCII as it is, as the store writes it (pydantic-core's encoder:
    a third of `json`'s time on event data, measured)."""
    return to_json(data).decode()


async def copy_new_streams(
    conn: Connection,
    schema: str,
    batch: Sequence[StreamAppend],
    personal: PersonalData | None = None,
) -> int:
    """Append `batch`, every item a new stream, or raise WrongExpectedVersion (a stream
    exists, or its subject has a data key) having written nothing the caller may keep.
    Answers the transaction's id, for the caller to signal once it committed
    (`CommitSignal.committed_transaction`)."""
    planned = plan(batch)
    if any(expected != 0 for _, expected in planned.checks):
        raise ValueError("copy_new_streams appends new streams only")
    return await copy_new_events(conn, schema, planned.events, personal)


async def copy_new_events(
    conn: Connection,
    schema: str,
    events: Sequence[PlannedEvent],
    personal: PersonalData | None = None,
) -> int:
    """`copy_new_streams` for events its caller numbered (each stream's from version 1), as
    an import that builds thousands at a time does without a `StreamAppend` for each."""
    if not events:
        raise ValueError("no events to append")
    first = events[0].stream_id  # the stream a refusal names (the COPY does not say which)
    datas = [e.data for e in events]
    if personal is not None:
        datas, records = personal.seal_new_subjects(events)
        if records:
            try:
                await copy_new_keys(conn, schema, records)
            except asyncpg.UniqueViolationError:  # a subject has a key: its stream exists
                raise WrongExpectedVersion(first, 0, None) from None
    rows = [
        (
            e.event_id,
            e.event_type,
            e.stream_id,
            e.stream_type,
            e.version,
            _json(data),
            e.context.recorded_at,
            e.context.actor,
            e.context.correlation_id,
            e.context.causation_id,
            e.context.traceparent,
            e.context.source,
        )
        for e, data in zip(events, datas, strict=True)
    ]
    try:
        await conn.copy_records_to_table(
            "events", schema_name=schema, columns=list(EVENT_COLUMNS), records=rows
        )
    except asyncpg.UniqueViolationError:
        raise WrongExpectedVersion(first, 0, None) from None
    tx_id: int = await conn.fetchval(_TRANSACTION)
    return tx_id


async def copy_new_event_rows(
    conn: Connection, schema: str, first: UUID, events: bytes, keys: bytes
) -> int:
    """`copy_new_events` for events already sealed and written as binary COPY rows
    (`copy_rows.event_row`), and their data keys too (`copy_rows.key_rows`): an import's
    worker process made them. The same refusal: a stream or a subject key that
    exists raises WrongExpectedVersion naming `first` (the COPY does not say which). Answers
    the transaction's id."""
    if not events:
        raise ValueError("no events to append")
    try:
        if keys:
            await copy_rows.copy_rows_into(conn, schema, "person_keys", KEY_COLUMNS, keys)
        await copy_rows.copy_rows_into(conn, schema, "events", EVENT_COLUMNS, events)
    except asyncpg.UniqueViolationError:
        raise WrongExpectedVersion(first, 0, None) from None
    tx_id: int = await conn.fetchval(_TRANSACTION)
    return tx_id
