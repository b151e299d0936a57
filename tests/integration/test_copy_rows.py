"""Events and data keys written as binary COPY rows (`eventstore/copy_rows.py`, what an
import's worker processes make) are stored as the store's own bulk append (`copy_new_events`,
`copy_new_keys`) stores the same: every column, awkward texts, times in other zones and
all."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import asyncpg
import pytest
from pydantic_core import to_json

from lmis_shared.eventstore import AppendContext, WrongExpectedVersion
from lmis_shared.eventstore.bulk import PlannedEvent, copy_new_event_rows, copy_new_events
from lmis_shared.eventstore.copy_rows import (
    context_fields,
    event_row,
    key_rows,
    new_event_id_bytes,
    timestamptz_field,
)
from lmis_shared.eventstore.postgres import Connection, PostgresEventStore
from lmis_shared.eventstore.rows import EVENT_COLUMNS
from lmis_shared.privacy.keystore import KeyRecord
from lmis_shared.privacy.postgres import copy_new_keys
from lmis_shared.privacy.postgres import migrate as keys_migrate
from lmis_shared.processing.copy_binary import text_field

pytestmark = pytest.mark.integration

AWKWARD = 'Lò\tThị\nMai\\ "Páo" \r{x,y} \\N \U0001f600'
HANOI = timezone(timedelta(hours=7))


def _events() -> list[PlannedEvent]:
    contexts = [
        AppendContext("officer-1", uuid.uuid4(), None, None, "import", datetime.now(UTC)),
        AppendContext(
            AWKWARD,
            uuid.uuid4(),
            uuid.uuid4(),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            AWKWARD,
            datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=HANOI),
        ),
    ]
    data: list[dict[str, Any]] = [
        {"person": {"$enc": "v1", "k": "x", "n": "AAAA", "c": "b+/="}, "groups": []},
        {"name": AWKWARD, "n": 1.5, "none": None, "ok": True, "nested": {"a": [1, "\\"]}},
    ]
    return [
        PlannedEvent(uuid.uuid4(), t, uuid.uuid4(), AWKWARD, v, d, c)
        for t, v in (("worker.registered", 1), (AWKWARD, 12))
        for d in data
        for c in contexts
    ]


def _rows(events: list[PlannedEvent]) -> bytes:
    return b"".join(
        event_row(
            e.event_id.bytes,
            text_field(e.event_type),
            e.stream_id.bytes,
            text_field(e.stream_type),
            e.version,
            to_json(e.data),
            context_fields(e.context),
        )
        for e in events
    )


async def _stored(conn: Connection, schema: str) -> list[tuple[Any, ...]]:
    columns = ", ".join(EVENT_COLUMNS)
    rows = await conn.fetch(f'select {columns}, data::text from "{schema}".events order by seq')
    keys = await conn.fetch(f'select * from "{schema}".person_keys order by subject_id')
    return [tuple(r) for r in rows] + [tuple(k) for k in keys]


async def test_events_and_keys_copied_as_binary_rows_are_stored_as_the_stores_own(
    pg_pool: asyncpg.Pool, fresh_schema: str
) -> None:
    events = _events()
    made = [(e, bytes([n, 92, 9, 0]) * 10) for n, e in enumerate(events)]  # wrapped keys
    keys = b"".join(key_rows(made, "key-a").values())
    rows_schema, store_schema = fresh_schema, fresh_schema + "_store"
    for schema in (rows_schema, store_schema):
        await PostgresEventStore.migrate(pg_pool, schema)
        await keys_migrate(pg_pool, schema)
    async with pg_pool.acquire() as conn:
        async with conn.transaction():
            first = events[0].stream_id
            await copy_new_event_rows(conn, rows_schema, first, _rows(events), keys)
        async with conn.transaction():
            records = [KeyRecord(e.stream_id, w, "key-a", e.context.recorded_at) for e, w in made]
            await copy_new_keys(conn, store_schema, records)
            await copy_new_events(conn, store_schema, events)
        written, stored = await _stored(conn, rows_schema), await _stored(conn, store_schema)
        assert written == stored
        assert len(written) == 2 * len(events)

        with pytest.raises(WrongExpectedVersion):  # a stream that exists: refused, as before
            async with conn.transaction():
                await copy_new_event_rows(conn, rows_schema, first, _rows(events[:1]), b"")


def test_new_event_ids_are_random_version_4_ids() -> None:
    made = [uuid.UUID(bytes=raw) for raw in new_event_id_bytes(500)]

    assert len(set(made)) == 500
    assert {(u.version, u.variant) for u in made} == {(4, uuid.RFC_4122)}


def test_a_time_without_a_zone_is_not_written() -> None:
    with pytest.raises(ValueError, match="naive"):
        timestamptz_field(datetime(2026, 1, 1))
