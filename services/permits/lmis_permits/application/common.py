"""What every permits use case shares: the caller's context, the result, and `Recorder`, the
one path from decided events to the ledger (idempotency, If-Match, conflicts).

Idempotency: a command that carries an idempotency key stores its response in the same
transaction as its events; a repeat (or a racing twin) gets that first response back and
appends nothing. A key reused for a different request is refused. If-Match: a command on an
existing object that names a version other than the current one is refused with 412 before
anything is decided.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from lmis_permits.application.ports import Change, HeadcountGuard, Ledger, State
from lmis_shared import errors
from lmis_shared.clock import Clock
from lmis_shared.commands import (
    CommandContext,
    CommandResult,
    replayed,
)
from lmis_shared.events import EventPayload, NewEvent
from lmis_shared.eventstore import (
    AppendContext,
    DuplicateCommand,
    IdempotencyRecord,
    WrongExpectedVersion,
)

SOURCE = "/lmis/permits"


@dataclass(frozen=True)
class Outcome:
    """What a decided command asks the recorder to store, and to answer."""

    stream_id: UUID
    stream_type: str
    expected_version: int
    events: Sequence[EventPayload]
    state_after: State
    status_code: int
    body: dict[str, Any]
    headcount_guard: HeadcountGuard | None = None


class Recorder:
    def __init__(self, ledger: Ledger, clock: Clock) -> None:
        self._ledger = ledger
        self._clock = clock

    async def replay(self, ctx: CommandContext, fingerprint: str) -> CommandResult | None:
        """The first answer to this idempotency key, if it was already applied."""
        if not ctx.idempotency_key:
            return None
        stored = await self._ledger.find_response(ctx.idempotency_key)
        return None if stored is None else replayed(stored, fingerprint)

    async def record(
        self, outcome: Outcome, ctx: CommandContext, fingerprint: str
    ) -> CommandResult:
        if not outcome.events:  # nothing changed: answer with the current version
            return CommandResult(200, outcome.body)
        idempotency = (
            IdempotencyRecord(ctx.idempotency_key, fingerprint, outcome.status_code, outcome.body)
            if ctx.idempotency_key
            else None
        )
        change = Change(
            stream_id=outcome.stream_id,
            stream_type=outcome.stream_type,
            expected_version=outcome.expected_version,
            events=[NewEvent(event_id=uuid.uuid4(), payload=e) for e in outcome.events],
            context=self._context(ctx),
            state_after=outcome.state_after,
            idempotency=idempotency,
            headcount_guard=outcome.headcount_guard,
        )
        try:
            await self._ledger.record(change)
        except DuplicateCommand as twin:  # a concurrent request with the same key won
            return replayed(twin.stored, fingerprint)
        except WrongExpectedVersion as conflict:  # another writer got there first
            raise errors.ConcurrencyConflict(
                conflict.expected_version, conflict.actual_version
            ) from None
        return CommandResult(outcome.status_code, outcome.body)

    def _context(self, ctx: CommandContext) -> AppendContext:
        return AppendContext(
            actor=ctx.principal.subject,
            correlation_id=ctx.correlation_id,
            causation_id=None,
            traceparent=ctx.traceparent,
            source=SOURCE,
            recorded_at=self._clock.now(),
        )
