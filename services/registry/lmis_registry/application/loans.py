"""Use cases on loans: authorise, load, decide, append. No HTTP here.

Wiring (the registry's bootstrap and app):
    app.state.loans = build_loans(store, clock, authorizer)
and add `lmis_registry.entrypoints.loans_http.loans_router` to the app's routers.

Rules the handlers add to the pure domain:
* Scope: a loan belongs to the commune of its borrower's worker file, read from the worker
  stream when the loan is applied for and recorded in `LoanApplied`; every later read and
  command is checked against that commune with the `loan` resource kind. The bank reads the
  worker stream only to learn that commune, never to show anything of it.
* Idempotency, as for worker files: the first answer is stored with the events in one
  transaction under the `Idempotency-Key`; a repeat gets it back and appends nothing; a key
  reused for another request (another loan, command or body) is refused.
* Order: load, authorise, replay a known key, check `ctx.if_match`, decide, append.
* `ctx.if_match` (the HTTP If-Match) is checked against the loaded version (412); a writer
  that loses the race between load and append gets a 409 conflict.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from lmis_registry.domain import loans, workers
from lmis_registry.domain.errors import InvalidField
from lmis_shared import errors
from lmis_shared.auth import READ, WRITE, Authorizer, Principal
from lmis_shared.clock import Clock
from lmis_shared.commands import (
    CommandContext,
    CommandResult,
    replayed,
    request_fingerprint,
)
from lmis_shared.events import EventPayload, NewEvent, RecordedEvent
from lmis_shared.eventstore import (
    AppendContext,
    DuplicateCommand,
    EventStore,
    IdempotencyRecord,
    WrongExpectedVersion,
)

SOURCE = "/lmis/registry"
STREAM_TYPE = "loan"
WORKER_STREAM_TYPE = "worker"


@dataclass(frozen=True)
class LoanReport:
    """A loan's state and where it stands today."""

    loan: loans.Loan
    position: loans.LoanPosition


class Loans:
    def __init__(self, store: EventStore, clock: Clock, authorizer: Authorizer) -> None:
        self._store = store
        self._clock = clock
        self._authorizer = authorizer

    async def apply(self, command: loans.ApplyForLoan, ctx: CommandContext) -> CommandResult:
        commune, province = await self._borrower_units(command.worker_id)
        self._authorizer.check(ctx.principal, WRITE, commune, STREAM_TYPE)
        fingerprint = request_fingerprint("loan.apply", command.model_dump(mode="json"))
        if (replayed := await self._replayed(ctx, fingerprint)) is not None:
            return replayed
        decided = loans.decide_apply(command, commune, province, self._clock.today())
        loan_id = uuid.uuid4()
        after = loans.fold(loan_id, enumerate(decided, start=1))
        assert after is not None
        return await self._append(after, 0, decided, ctx, fingerprint, status_code=201)

    async def execute(
        self, loan_id: UUID, command: loans.LoanCommand, ctx: CommandContext
    ) -> CommandResult:
        loan = await self._load(loan_id)
        self._authorizer.check(ctx.principal, WRITE, loan.commune_code, STREAM_TYPE)
        body = {"loan_id": str(loan_id), **command.model_dump(mode="json")}
        fingerprint = request_fingerprint(f"loan.{command.name}", body)
        # A repeat gets its first answer even if the loan has moved on since.
        if (replayed := await self._replayed(ctx, fingerprint)) is not None:
            return replayed
        if ctx.if_match is not None and ctx.if_match != loan.version:
            raise errors.PreconditionFailed(ctx.if_match, loan.version)
        decided = loans.decide(loan, command, self._clock.today())
        after = loan
        for version, event in enumerate(decided, start=loan.version + 1):
            after = loans.evolve(after, event, loan_id).with_version(version)
        return await self._append(after, loan.version, decided, ctx, fingerprint, status_code=200)

    async def get(self, loan_id: UUID, principal: Principal) -> LoanReport:
        loan = await self._load(loan_id)
        self._authorizer.check(principal, READ, loan.commune_code, STREAM_TYPE)
        return LoanReport(loan, loans.position(loan, self._clock.today()))

    async def history(self, loan_id: UUID, principal: Principal) -> list[RecordedEvent]:
        recorded = await self._read(loan_id)
        loan = _fold(loan_id, recorded)
        self._authorizer.check(principal, READ, loan.commune_code, STREAM_TYPE)
        return recorded

    async def _read(self, loan_id: UUID) -> list[RecordedEvent]:
        recorded = await self._store.read_stream(loan_id)
        # Another aggregate's id (a worker file's) is no loan either.
        if not recorded or recorded[0].metadata.stream_type != STREAM_TYPE:
            raise loans.LoanNotFound(loan_id)
        return recorded

    async def _load(self, loan_id: UUID) -> loans.Loan:
        return _fold(loan_id, await self._read(loan_id))

    async def _borrower_units(self, worker_id: UUID) -> tuple[str, str]:
        """The commune and province of the worker file, as it stands now."""
        recorded = await self._store.read_stream(worker_id)
        file = None
        if recorded and recorded[0].metadata.stream_type == WORKER_STREAM_TYPE:
            file = workers.fold(
                worker_id, ((r.metadata.stream_version, r.payload()) for r in recorded)
            )
        if file is None:
            raise InvalidField("worker_id", "no worker file has this id")
        return file.commune_code, file.province_code

    async def _replayed(self, ctx: CommandContext, fingerprint: str) -> CommandResult | None:
        if not ctx.idempotency_key:
            return None
        stored = await self._store.find_response(ctx.idempotency_key)
        return None if stored is None else replayed(stored, fingerprint)

    async def _append(
        self,
        after: loans.Loan,
        expected_version: int,
        events: list[EventPayload],
        ctx: CommandContext,
        fingerprint: str,
        *,
        status_code: int,
    ) -> CommandResult:
        body: dict[str, Any] = {
            "id": str(after.id),
            "version": after.version,
            "status": after.status.value,
        }
        idempotency = (
            IdempotencyRecord(ctx.idempotency_key, fingerprint, status_code, body)
            if ctx.idempotency_key
            else None
        )
        try:
            await self._store.append(
                after.id,
                STREAM_TYPE,
                expected_version,
                [NewEvent(event_id=uuid.uuid4(), payload=e) for e in events],
                self._append_context(ctx),
                idempotency=idempotency,
            )
        except DuplicateCommand as twin:  # a concurrent request with the same key won
            return replayed(twin.stored, fingerprint)
        except WrongExpectedVersion as conflict:
            raise errors.ConcurrencyConflict(
                conflict.expected_version, conflict.actual_version
            ) from conflict
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


def build_loans(store: EventStore, clock: Clock, authorizer: Authorizer) -> Loans:
    """The loans use cases, for `app.state.loans` (see `entrypoints.loans_http`)."""
    return Loans(store, clock, authorizer)


def _fold(loan_id: UUID, recorded: list[RecordedEvent]) -> loans.Loan:
    loan = loans.fold(loan_id, ((r.metadata.stream_version, r.payload()) for r in recorded))
    if loan is None:
        raise loans.LoanNotFound(loan_id)
    return loan
