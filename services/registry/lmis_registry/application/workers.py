"""Use cases on worker files: authorise, load the stream, decide, append. No HTTP here.

Idempotency: a command that carries an idempotency key stores its response in the same
transaction as its events; a repeat (or a racing twin) gets that first response back and
appends nothing. A key reused for a different request is refused.
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
from lmis_shared.auth import READ, WRITE, Authorizer, Principal
from lmis_shared.clock import Clock
from lmis_shared.errors import InvalidInput
from lmis_shared.events import EventPayload, NewEvent
from lmis_shared.eventstore import (
    AppendContext,
    DuplicateCommand,
    EventStore,
    IdempotencyRecord,
    StoredResponse,
)

SOURCE = "/lmis/registry"
STREAM_TYPE = "worker"


@dataclass(frozen=True)
class CommandContext:
    """Who asks, and the request's correlation, trace and idempotency data."""

    principal: Principal
    correlation_id: UUID
    traceparent: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class CommandResult:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


class IdempotencyKeyReused(InvalidInput):
    def __init__(self) -> None:
        super().__init__("header.Idempotency-Key", "was already used for a different request")


def request_fingerprint(command_name: str, body: dict[str, Any]) -> str:
    canonical = json.dumps([command_name, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class WorkerFiles:
    def __init__(self, store: EventStore, clock: Clock, authorizer: Authorizer) -> None:
        self._store = store
        self._clock = clock
        self._authorizer = authorizer

    async def register(self, command: workers.RegisterWorker, ctx: CommandContext) -> CommandResult:
        self._authorizer.check(ctx.principal, WRITE, command.commune_code, STREAM_TYPE)
        fingerprint = request_fingerprint("register", command.model_dump(mode="json"))
        if ctx.idempotency_key:
            stored = await self._store.find_response(ctx.idempotency_key)
            if stored is not None:
                return _replay(stored, fingerprint)
        decided = workers.decide_register(command, self._clock.today())
        worker_id = uuid.uuid4()
        body = {"id": str(worker_id), "version": len(decided)}
        try:
            await self._append(
                worker_id,
                0,
                decided,
                ctx,
                IdempotencyRecord(ctx.idempotency_key, fingerprint, 201, body)
                if ctx.idempotency_key
                else None,
            )
        except DuplicateCommand as twin:  # a concurrent request with the same key won
            return _replay(twin.stored, fingerprint)
        return CommandResult(201, body)

    async def get(self, worker_id: UUID, principal: Principal) -> workers.WorkerFile:
        recorded = await self._store.read_stream(worker_id)
        state = workers.fold(
            worker_id, ((r.metadata.stream_version, r.payload()) for r in recorded)
        )
        if state is None:
            raise WorkerNotFound(worker_id)
        self._authorizer.check(principal, READ, state.commune_code, STREAM_TYPE)
        return state

    async def _append(
        self,
        stream_id: UUID,
        expected_version: int,
        events: list[EventPayload],
        ctx: CommandContext,
        idempotency: IdempotencyRecord | None,
    ) -> None:
        await self._store.append(
            stream_id,
            STREAM_TYPE,
            expected_version,
            [NewEvent(event_id=uuid.uuid4(), payload=e) for e in events],
            AppendContext(
                actor=ctx.principal.subject,
                correlation_id=ctx.correlation_id,
                causation_id=None,
                traceparent=ctx.traceparent,
                source=SOURCE,
                recorded_at=self._clock.now(),
            ),
            idempotency=idempotency,
        )


def _replay(stored: StoredResponse, fingerprint: str) -> CommandResult:
    if stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return CommandResult(stored.status_code, stored.response, replayed=True)
