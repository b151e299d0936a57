"""Recorded events as a store hands them out, for the tests of what reads them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from lmis_shared.events import EventMetadata, EventPayload, RecordedEvent

RECORDED_AT = datetime(2026, 1, 5, tzinfo=UTC)


def recorded_event(
    event_type: str,
    data: dict[str, Any],
    *,
    stream_id: UUID | None = None,
    stream_type: str = "worker",
    version: int = 1,
    recorded_at: datetime = RECORDED_AT,
    **metadata: Any,
) -> RecordedEvent:
    """The event `version` of a stream (a new one unless `stream_id`), recorded by officer-1;
    `metadata` for the rest (`source`, `traceparent`, ...)."""
    return RecordedEvent(
        metadata=EventMetadata(
            event_id=uuid4(),
            event_type=event_type,
            stream_id=stream_id or uuid4(),
            stream_type=stream_type,
            stream_version=version,
            recorded_at=recorded_at,
            actor="officer-1",
            correlation_id=uuid4(),
            **metadata,
        ),
        data=data,
    )


def recorded_payload(payload: EventPayload, **metadata: Any) -> RecordedEvent:
    """`payload` recorded as `recorded_event` records it (its data as the store keeps it)."""
    return recorded_event(payload.event_type, payload.model_dump(mode="json"), **metadata)
