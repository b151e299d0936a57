"""Events as rows of PostgreSQL's binary COPY format (`processing/copy_binary.py`), made where
the events are made (a bulk import's worker process) and COPYed by the process that holds the
connection as they come (`bulk.copy_new_event_rows`), and their subjects' data keys alike.

The text format made the server parse each row's three uuids, its version and its time, and
split and unescape the line: PostgreSQL's CPU for the events' COPY was 8.3-9.3 µs a row in
text against 6.6-8.1 in binary (three alternating pairs of 100,000 imported rows, the same
stored values). The worker's own time to write a row falls too (1.2 µs an event against 2.1,
measured): its ids are written from their bytes, not spelled, its data's JSON is sent as the
encoder's bytes, and the columns an append's events share are encoded once. The data keys'
rows: 2.1-2.8 µs a row of the server's CPU in text against 1.8-2.1 (the time not parsed).
"""

from __future__ import annotations

import os
import struct
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol
from uuid import UUID

from lmis_shared.eventstore.api import AppendContext
from lmis_shared.eventstore.postgres import Connection
from lmis_shared.eventstore.rows import KEY_COLUMNS
from lmis_shared.processing.copy_binary import (
    HEADER,
    NULL,
    TRAILER,
    field_count,
    text_field,
    uuid_field,
)

_int4 = struct.Struct(">i").pack
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
"""PostgreSQL's timestamps count microseconds from 2000-01-01 UTC."""
_START = field_count(12)  # EVENT_COLUMNS
_UUID = _int4(16)
_VERSIONS = {v: _int4(8) + struct.pack(">q", v) for v in range(1, 9)}
_JSONB = b"\x01"


def timestamptz_field(value: datetime) -> bytes:
    """A `timestamptz`: the instant, in microseconds from PostgreSQL's epoch (an aware time
    only: the text form of a naive one would be read in the session's time zone)."""
    if value.tzinfo is None:
        raise ValueError("a naive time has no instant to write")
    return _int4(8) + struct.pack(">q", (value - _EPOCH) // timedelta(microseconds=1))


def context_fields(context: AppendContext) -> bytes:
    """The columns every event of one append shares, after its data (`EVENT_COLUMNS`)."""
    return b"".join(
        (
            timestamptz_field(context.recorded_at),
            text_field(context.actor),
            uuid_field(context.correlation_id.bytes),
            NULL if context.causation_id is None else uuid_field(context.causation_id.bytes),
            text_field(context.traceparent),
            text_field(context.source),
        )
    )


def new_event_id_bytes(count: int) -> list[bytes]:
    """`count` random (version 4) ids' bytes from one read of the system's randomness, as
    `events.new_event_ids` makes them: the version in the top four bits of byte 6, RFC
    9562's variant in the top two of byte 8."""
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = bytes([(b & 0x0F) | 0x40 for b in raw[6::16]])
    raw[8::16] = bytes([(b & 0x3F) | 0x80 for b in raw[8::16]])
    return [bytes(raw[i : i + 16]) for i in range(0, len(raw), 16)]


def event_row(
    event_id: bytes,
    event_type: bytes,
    stream_id: bytes,
    stream_type: bytes,
    version: int,
    data: bytes,
    shared: bytes,
) -> bytes:
    """An event's row: its id's and stream's 16 bytes, its type and stream type as
    `text_field`s (made once a batch), its data's JSON (UTF-8), and `shared`
    (`context_fields`, made once per append)."""
    return b"".join(
        (
            _START,
            _UUID,
            event_id,
            event_type,
            _UUID,
            stream_id,
            stream_type,
            _VERSIONS.get(version) or (_int4(8) + struct.pack(">q", version)),
            _int4(len(data) + 1),
            _JSONB,
            data,
            shared,
        )
    )


class KeyedEvent(Protocol):
    """The first event of a subject whose key `key_rows` writes."""

    @property
    def stream_id(self) -> UUID: ...

    @property
    def context(self) -> AppendContext: ...


_KEY_START = field_count(len(KEY_COLUMNS))


def key_rows(made: Iterable[tuple[KeyedEvent, bytes]], master_key_id: str) -> dict[int, bytes]:
    """The `person_keys` row (`KEY_COLUMNS`) of each key `PersonalData.seal_new_streams` made
    (its subject's first event, the key wrapped by `master_key_id`, made at that event's
    time), by the subject's integer (hashed in C: `UUID.__hash__` is Python's, and an import
    makes a key a row). The columns a batch's keys share are encoded once."""
    tails: dict[datetime, bytes] = {}
    rows: dict[int, bytes] = {}
    for first, wrapped in made:
        at = first.context.recorded_at
        tail = tails.get(at)
        if tail is None:
            tail = tails[at] = text_field(master_key_id) + timestamptz_field(at)
        subject = first.stream_id.int
        rows[subject] = b"".join(
            (_KEY_START, _UUID, subject.to_bytes(16), _int4(len(wrapped)), wrapped, tail)
        )
    return rows


async def copy_rows_into(
    conn: Connection, schema: str, table: str, columns: Sequence[str], rows: bytes
) -> None:
    """COPY `rows` (binary rows of `columns`, joined) into `schema.table`: the header, the rows
    and the trailer as three messages, the rows as they are (joined to the header first, a
    batch's 1.3 MB of events were copied again: 0.15 µs of this process's CPU a row of 1 KB,
    measured), not as a file (asyncpg reads one in 512 KiB pieces, each through the executor)."""
    await conn.copy_to_table(
        table, source=_messages(rows), schema_name=schema, columns=list(columns), format="binary"
    )


async def _messages(rows: bytes) -> AsyncIterator[bytes]:
    yield HEADER
    yield rows
    yield TRAILER
