"""Use cases on worker files: authorise, load the stream, decide, append. No HTTP here.

Every command follows one path (`execute`): load the file, check the caller may write it,
replay an idempotency key already applied, check `If-Match`, decide, and save the events with
their side effects in one transaction.

Idempotency: a command that carries an idempotency key stores its response in the same
transaction as its events; a repeat (or a racing twin) gets that first response back and
appends nothing. A key reused for a different request is refused.

Versions: a stale `If-Match` is a 412 (`PreconditionFailed`, the client read an old version);
losing a race to another writer between load and append is a 409 (`ConcurrencyConflict`).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any
from uuid import UUID

from lmis_registry.application.worker_ports import (
    FileChange,
    WorkerListing,
    WorkerPage,
    WorkerRepository,
    WorkerSearch,
)
from lmis_registry.domain import workers
from lmis_registry.domain.errors import WorkerNotFound
from lmis_shared.auth import READ, WRITE, Authorizer, Principal
from lmis_shared.clock import Clock
from lmis_shared.commands import (
    CommandContext,
    CommandResult,
    replayed,
    request_fingerprint,
)
from lmis_shared.errors import ConcurrencyConflict, PreconditionFailed
from lmis_shared.events import EventPayload, NewEvent, RecordedEvent
from lmis_shared.eventstore import (
    AppendContext,
    DuplicateCommand,
    IdempotencyRecord,
    WrongExpectedVersion,
)

SOURCE = "/lmis/registry"
STREAM_TYPE = "worker"


class WorkerFiles:
    def __init__(
        self,
        files: WorkerRepository,
        listing: WorkerListing,
        clock: Clock,
        authorizer: Authorizer,
    ) -> None:
        self._files = files
        self._listing = listing
        self._clock = clock
        self._authorizer = authorizer

    async def register(self, command: workers.RegisterWorker, ctx: CommandContext) -> CommandResult:
        self._authorizer.check(ctx.principal, WRITE, command.commune_code, STREAM_TYPE)
        fingerprint = request_fingerprint("register", command.model_dump(mode="json"))
        if replay := await self._replay(ctx, fingerprint):
            return replay
        decided = workers.decide_register(command, self._clock.today())
        worker_id = uuid.uuid4()
        after = workers.fold(worker_id, enumerate(decided, start=1))
        assert after is not None
        body = {"id": str(worker_id), "version": after.version}
        return await self._save(None, after, decided, ctx, fingerprint, 201, body)

    async def execute(
        self, worker_id: UUID, command: workers.AnyWorkerCommand, ctx: CommandContext
    ) -> CommandResult:
        """Run a command on an existing file (every command but `register`)."""
        state = await self._load(worker_id)
        self._authorise_write(state, command, ctx.principal)
        fingerprint = request_fingerprint(
            command.command_name,
            {"worker_id": str(worker_id), **command.model_dump(mode="json", exclude_unset=True)},
        )
        if replay := await self._replay(ctx, fingerprint):
            return replay
        if ctx.if_match is not None and ctx.if_match != state.version:
            raise PreconditionFailed(ctx.if_match, state.version)
        decided = workers.decide(state, command, self._clock.today())
        after = workers.apply(state, decided)
        body = {"id": str(worker_id), "version": after.version, "status": after.status.value}
        if not decided:  # nothing changed: no event, and nothing to store under the key
            return CommandResult(200, body)
        return await self._save(state, after, decided, ctx, fingerprint, 200, body)

    async def get(self, worker_id: UUID, principal: Principal) -> workers.WorkerFile:
        state = await self._load(worker_id)
        self._authorizer.check(principal, READ, state.commune_code, STREAM_TYPE)
        return state

    async def history(self, worker_id: UUID, principal: Principal) -> list[RecordedEvent]:
        """The file's events in order, for whoever may read the file."""
        recorded = await self._files.events(worker_id)
        state = _fold(worker_id, recorded)
        self._authorizer.check(principal, READ, state.commune_code, STREAM_TYPE)
        return recorded

    async def search(self, query: WorkerSearch, principal: Principal) -> WorkerPage:
        """A page of the files the caller may read that match `query`."""
        return await self._listing.search(_within_scope(query, principal, self._authorizer))

    async def _load(self, worker_id: UUID) -> workers.WorkerFile:
        return _fold(worker_id, await self._files.events(worker_id))

    def _authorise_write(
        self, state: workers.WorkerFile, command: workers.AnyWorkerCommand, principal: Principal
    ) -> None:
        self._authorizer.check(principal, WRITE, state.commune_code, STREAM_TYPE)
        # moving a file to another commune needs the right to write files there too
        if isinstance(command, workers.UpdateProfile) and command.commune_code is not None:
            self._authorizer.check(principal, WRITE, command.commune_code, STREAM_TYPE)

    async def _replay(self, ctx: CommandContext, fingerprint: str) -> CommandResult | None:
        if not ctx.idempotency_key:
            return None
        stored = await self._files.find_response(ctx.idempotency_key)
        return None if stored is None else replayed(stored, fingerprint)

    async def _save(
        self,
        before: workers.WorkerFile | None,
        after: workers.WorkerFile,
        decided: list[EventPayload],
        ctx: CommandContext,
        fingerprint: str,
        status_code: int,
        body: dict[str, Any],
    ) -> CommandResult:
        key = ctx.idempotency_key
        expected = before.version if before else 0
        change = FileChange(
            worker_id=after.id,
            expected_version=expected,
            events=[NewEvent(event_id=uuid.uuid4(), payload=e) for e in decided],
            context=self._append_context(ctx),
            idempotency=IdempotencyRecord(key, fingerprint, status_code, body) if key else None,
            before=before,
            after=after,
        )
        try:
            await self._files.save(change)
        except DuplicateCommand as twin:  # a concurrent request with the same key won
            return replayed(twin.stored, fingerprint)
        except WrongExpectedVersion as race:
            raise ConcurrencyConflict(expected, race.actual_version) from None
        return CommandResult(status_code, body)

    def _append_context(self, ctx: CommandContext) -> AppendContext:
        return AppendContext(
            actor=ctx.principal.subject,
            correlation_id=ctx.correlation_id,
            causation_id=None,
            traceparent=ctx.traceparent,
            source=SOURCE,
            recorded_at=self._clock.now(),
        )


def _fold(worker_id: UUID, recorded: list[RecordedEvent]) -> workers.WorkerFile:
    state = workers.fold(worker_id, ((r.metadata.stream_version, r.payload()) for r in recorded))
    if state is None:
        raise WorkerNotFound(worker_id)
    return state


def _within_scope(
    query: WorkerSearch, principal: Principal, authorizer: Authorizer
) -> WorkerSearch:
    """The query limited to the caller's unit, unless the caller may read files anywhere.

    A grant that covers an object of unknown unit is an `anywhere` grant (admin); any other
    role must be allowed to read files in its own scope, and sees nothing outside it.
    """
    if authorizer.allows(principal, READ, None, STREAM_TYPE):
        return query
    authorizer.check(principal, READ, principal.scope, STREAM_TYPE)
    return replace(query, scope=principal.scope)
