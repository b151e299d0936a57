"""The event store port: what a command handler or a relay may ask of any event store.

Two implementations keep the same contract (tests/eventstore_contract.py runs on both):
`PostgresEventStore` and `InMemoryEventStore`, the fake for unit tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from lmis_shared.events import NewEvent, RecordedEvent

Position = tuple[int, int]
"""A place in the global order: (transaction id, sequence)."""


@dataclass(frozen=True)
class AppendContext:
    """Who appends, in which trace, and when. `recorded_at` comes from the caller's clock."""

    actor: str
    correlation_id: UUID
    causation_id: UUID | None
    traceparent: str | None
    source: str
    recorded_at: datetime

    def __post_init__(self) -> None:
        if self.recorded_at.utcoffset() is None:
            raise ValueError("recorded_at must be timezone-aware")


@dataclass(frozen=True)
class IdempotencyRecord:
    """The response to store with the events, in the same transaction, under `key`."""

    key: str
    fingerprint: str
    status_code: int
    response: dict[str, Any]


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    response: dict[str, Any]
    fingerprint: str


@dataclass(frozen=True)
class AppendResult:
    stream_id: UUID
    new_version: int
    events: Sequence[RecordedEvent]


@dataclass(frozen=True)
class StreamAppend:
    """One stream's share of an `append_many` batch."""

    stream_id: UUID
    stream_type: str
    expected_version: int
    events: Sequence[NewEvent]
    context: AppendContext


class EventStore(Protocol):
    async def append(
        self,
        stream_id: UUID,
        stream_type: str,
        expected_version: int,
        events: Sequence[NewEvent],
        context: AppendContext,
        *,
        idempotency: IdempotencyRecord | None = None,
    ) -> AppendResult:
        """Append after version `expected_version` (0: a new stream), all or nothing.

        Raises WrongExpectedVersion when the stream is at another version, DuplicateCommand
        when `idempotency.key` was already applied (nothing is appended then).
        """
        item = StreamAppend(stream_id, stream_type, expected_version, events, context)
        return await self.append_stream(item, idempotency)

    async def append_stream(
        self, item: StreamAppend, idempotency: IdempotencyRecord | None
    ) -> AppendResult:
        """`append` of one stream's share: what an implementation provides (`append` is the
        port's own)."""
        ...

    async def append_many(self, batch: Sequence[StreamAppend]) -> list[AppendResult]:
        """Append to several streams in one transaction: every stream or none."""
        ...

    async def read_stream(self, stream_id: UUID) -> list[RecordedEvent]:
        """The stream's events in version order (empty if the stream does not exist)."""
        ...

    async def read_all(self, after: Position | None, limit: int = 500) -> list[RecordedEvent]:
        """Committed events after `after` in global order, never skipping a late commit."""
        ...

    async def find_response(
        self, key: str, not_before: datetime | None = None
    ) -> StoredResponse | None:
        """The response stored under an idempotency key, if that key was applied (at or after
        `not_before`: an older record has expired, is dropped, and the key may be used again)."""
        ...

    async def forget_responses(self, before: datetime) -> int:
        """Drop the idempotency records made before `before` (expired); how many were."""
        ...
