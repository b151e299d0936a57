"""Use cases on worker files: load the stream, decide, append. Nothing here knows HTTP.

Idempotency: a command that carries an idempotency key stores its response in the same
transaction as its events; a repeat (or a racing twin) gets that first response back and
appends nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from lmis_registry.domain import workers
from lmis_registry.domain.errors import WorkerNotFound
from lmis_shared.clock import Clock
from lmis_shared.eventstore import (
    AppendContext,
    DuplicateCommand,
    EventStore,
    IdempotencyRecord,
)
from lmis_shared.events import NewEvent, RecordedEvent

SOURCE = "/lmis/registry"
STREAM_TYPE = "worker"


@dataclass(frozen=True)
class CommandContext:
    """Who asks, and the request's correlation, trace and idempotency data."""

    actor: str
    correlation_id: UUID
    traceparent: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class CommandResult:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


def fingerprint(command_name: str, body: dict[str, Any]) -> str:
    canonical = json.dumps([command_name, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyKeyReused(Exception):
    """The key was used before for a different request."""


class WorkerFiles:
    def __init__(self, store: EventStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def register(self, command: workers.RegisterWorker, ctx: CommandContext) -> CommandResult:
        idempotency = None
        if ctx.idempotency_key:
            print_ = fingerprint("register", command.model_dump(mode="json"))
            stored = await self._store.find_response(ctx.idempotency_key)
            if stored is not None:
                return self._replay(stored.fingerprint, print_, stored.status_code, stored.response)
        decided = workers.decide_register(command, self._clock.today())
        worker_id = uuid.uuid4()
        body = {"id": str(worker_id), "version": len(decided)}
        if ctx.idempotency_key:
            idempotency = IdempotencyRecord(ctx.idempotency_key, print_, 201, body)
        try:
            await self._store.append(
                worker_id,
                STREAM_TYPE,
                0,
                [NewEvent(event_id=uuid.uuid4(), payload=e) for e in decided],
                self._context(ctx),
                idempotency=idempotency,
            )
        except DuplicateCommand as dup:
            return self._replay(
                dup.stored.fingerprint, print_, dup.stored.status_code, dup.stored.response
            )
        return CommandResult(201, body)

    async def get(self, worker_id: UUID) -> workers.WorkerFile:
        recorded = await self._store.read_stream(worker_id)
        state = workers.fold(worker_id, _payloads(recorded))
        if state is None:
            raise WorkerNotFound(worker_id)
        return state

    def _context(self, ctx: CommandContext) -> AppendContext:
        return AppendContext(
            actor=ctx.actor,
            correlation_id=ctx.correlation_id,
            causation_id=None,
            traceparent=ctx.traceparent,
            source=SOURCE,
            recorded_at=self._clock.now(),
        )

    @staticmethod
    def _replay(
        stored_print: str, print_: str, status_code: int, response: dict[str, Any]
    ) -> CommandResult:
        if stored_print != print_:
            raise IdempotencyKeyReused()
        return CommandResult(status_code, response, replayed=True)


def _payloads(recorded: list[RecordedEvent]) -> list[tuple[int, Any]]:
    return [(r.metadata.stream_version, r.payload()) for r in recorded]
