"""Events from stored rows: the events table's columns, which an outbox shaped like it has too,
read back into metadata and events by the store's reads, the feed relay and the rebuilds."""

from __future__ import annotations

import json

import asyncpg

from lmis_shared.events import EventMetadata, RecordedEvent

EVENT_COLUMNS = (
    "event_id",
    "event_type",
    "stream_id",
    "stream_type",
    "version",
    "data",
    "recorded_at",
    "actor",
    "correlation_id",
    "causation_id",
    "traceparent",
    "source",
)
"""The events table's columns after its position (tx_id, seq)."""
KEY_COLUMNS = ("subject_id", "wrapped_key", "master_key_id", "created_at")
"""The person_keys table's columns, as a bulk append COPYs them."""


def metadata_from_row(row: asyncpg.Record, event_type: str | None = None) -> EventMetadata:
    """The metadata of a row with the events table's columns; `event_type` stands for the
    stored type where the reader upcast the event. Built without validating (a rebuild reads
    millions): the columns' types are the fields' (the store wrote them from validated
    metadata, and their constraints are the fields')."""
    return EventMetadata.model_construct(
        event_id=row["event_id"],
        event_type=event_type or row["event_type"],
        stream_id=row["stream_id"],
        stream_type=row["stream_type"],
        stream_version=row["version"],
        recorded_at=row["recorded_at"],
        actor=row["actor"],
        correlation_id=row["correlation_id"],
        causation_id=row["causation_id"],
        traceparent=row["traceparent"],
        source=row["source"],
    )


def event_from_row(row: asyncpg.Record) -> RecordedEvent:
    """The event of a row with the events table's columns and its position."""
    return RecordedEvent(
        metadata=metadata_from_row(row),
        data=json.loads(row["data"]),
        position=(row["tx_id"], row["seq"]),
    )
