"""The in-memory event store: the fake of the port for unit tests, same contract as PostgreSQL.

Each method runs to completion without awaiting, so concurrent tasks see each append whole,
as they would a committed transaction.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from lmis_shared.events import RecordedEvent
from lmis_shared.eventstore import api
from lmis_shared.eventstore._plan import Plan, plan, recorded, results
from lmis_shared.eventstore.errors import DuplicateCommand, DuplicateEventId, WrongExpectedVersion

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class InMemoryEventStore(api.EventStore):
    def __init__(self) -> None:
        self._streams: dict[UUID, list[RecordedEvent]] = {}
        self._log: list[RecordedEvent] = []
        self._positions: list[api.Position] = []
        self._event_ids: set[UUID] = set()
        self._responses: dict[str, api.StoredResponse] = {}
        self._responded_at: dict[str, datetime] = {}
        self._last_tx = 0
        self._last_seq = 0

    async def append_stream(
        self, item: api.StreamAppend, idempotency: api.IdempotencyRecord | None
    ) -> api.AppendResult:
        if idempotency is not None and idempotency.key in self._responses:
            raise DuplicateCommand(self._responses[idempotency.key])
        [result] = self._commit([item], plan([item]))
        if idempotency is not None:
            self._responses[idempotency.key] = api.StoredResponse(
                idempotency.status_code,
                copy.deepcopy(idempotency.response),
                idempotency.fingerprint,
            )
            self._responded_at[idempotency.key] = item.context.recorded_at
        return result

    async def append_many(self, batch: Sequence[api.StreamAppend]) -> list[api.AppendResult]:
        return self._commit(batch, plan(batch))

    async def read_stream(self, stream_id: UUID) -> list[RecordedEvent]:
        return list(self._streams.get(stream_id, []))

    async def read_all(self, after: api.Position | None, limit: int = 500) -> list[RecordedEvent]:
        start = 0 if after is None else bisect.bisect_right(self._positions, after)
        return self._log[start : start + limit]

    async def find_response(
        self, key: str, not_before: datetime | None = None
    ) -> api.StoredResponse | None:
        expired = key in self._responses and self._responded_at[key] < (not_before or _EPOCH)
        if expired:
            del self._responses[key], self._responded_at[key]
        return self._responses.get(key)

    async def forget_responses(self, before: datetime) -> int:
        expired = [key for key, at in self._responded_at.items() if at < before]
        for key in expired:
            del self._responses[key], self._responded_at[key]
        return len(expired)

    def _commit(self, batch: Sequence[api.StreamAppend], planned: Plan) -> list[api.AppendResult]:
        """Check everything first, then write: all or nothing."""
        for stream_id, expected in planned.checks:
            actual = len(self._streams.get(stream_id, []))
            if actual != expected:
                raise WrongExpectedVersion(stream_id, expected, actual)
        seen: set[UUID] = set()
        for event in planned.events:
            if event.event_id in self._event_ids or event.event_id in seen:
                raise DuplicateEventId(event.event_id)
            seen.add(event.event_id)
        self._last_tx += 1
        positions: list[api.Position] = []
        for event in planned.events:
            self._last_seq += 1
            position = (self._last_tx, self._last_seq)
            stored = recorded(event, position)
            self._streams.setdefault(event.stream_id, []).append(stored)
            self._log.append(stored)
            self._positions.append(position)
            self._event_ids.add(event.event_id)
            positions.append(position)
        return results(batch, planned.events, positions)
