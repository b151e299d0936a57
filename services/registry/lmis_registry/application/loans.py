"""Use cases on loans. No HTTP here.

Every command runs through the one command path (`lmis_shared.commands.CommandPath`): load,
authorise, replay an idempotency key already applied, check `If-Match`, decide, append.
What this module adds to the pure domain:
* Scope: a loan belongs to the commune of its borrower's worker file, read from the worker
  stream when the loan is applied for and recorded in `LoanApplied`; every later read and
  command is checked against that commune with the `loan` resource kind. The bank reads the
  worker stream only to learn that commune, never to show anything of it.
* Position: a loan is reported with where it stands on the clock's today (`loans.position`).
* The list (`search`): the loans of the caller's unit, with their arrears as of a day, from the
  `loan_list` rows the command path writes with each append (`LoanListing`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from lmis_registry.application.ports import LoanListing, LoanPage, LoanSearch
from lmis_registry.application.workers import SOURCE
from lmis_registry.domain import loans, workers
from lmis_registry.domain.errors import InvalidField, WorkerNotFound
from lmis_shared.auth import READ, WRITE, Authorizer, Principal, list_scope
from lmis_shared.clock import Clock
from lmis_shared.commands import (
    IDEMPOTENCY_TTL,
    Command,
    CommandContext,
    CommandPath,
    CommandResult,
    Streams,
    new_stream_id,
)
from lmis_shared.events import EventPayload, RecordedEvent

STREAM_TYPE = loans.AGGREGATE.stream_type
"""Also the resource kind the authorizer's grants name."""


@dataclass(frozen=True)
class LoanReport:
    """A loan's state and where it stands today."""

    loan: loans.Loan
    position: loans.LoanPosition


class Loans:
    def __init__(
        self,
        streams: Streams[loans.Loan],
        clock: Clock,
        authorizer: Authorizer,
        listing: LoanListing | None = None,
        idempotency_ttl: timedelta = IDEMPOTENCY_TTL,
    ) -> None:
        ttl = idempotency_ttl
        self._path = CommandPath(loans.AGGREGATE, streams, clock, SOURCE, idempotency_ttl=ttl)
        self._clock = clock
        self._authorizer = authorizer
        self._listing = listing

    def now(self) -> datetime:
        return self._clock.now()

    def today(self) -> date:
        return self._clock.today()

    async def search(self, query: LoanSearch, principal: Principal) -> LoanPage:
        """A page of the loans the caller may read that match `query` (a commune officer or
        the bank's branch: its unit's; the province: the province's)."""
        assert self._listing is not None, "built without the loan list"
        scope = list_scope(self._authorizer, principal, READ, STREAM_TYPE)
        return await self._listing.search(replace(query, scope=scope))

    async def apply(self, command: loans.ApplyForLoan, ctx: CommandContext) -> CommandResult:
        """Open a loan (201) for the holder of a worker file, in that file's commune."""
        borrower = await self._borrower(command.worker_id, ctx.principal)
        return await self._run(new_stream_id(), command, ctx, borrower)

    async def execute(
        self, loan_id: UUID, command: loans.LoanCommand, ctx: CommandContext
    ) -> CommandResult:
        return await self._run(loan_id, command, ctx)

    async def get(self, loan_id: UUID, principal: Principal) -> LoanReport:
        loan = await self._path.load(loan_id, self._may_read(principal))
        return LoanReport(loan, loans.position(loan, self._clock.today()))

    async def history(self, loan_id: UUID, principal: Principal) -> list[RecordedEvent]:
        _, recorded = await self._path.history(loan_id, self._may_read(principal))
        return recorded

    def _may_read(self, principal: Principal) -> Callable[[loans.Loan], None]:
        return lambda loan: self._authorizer.check(principal, READ, loan.commune_code, STREAM_TYPE)

    async def _run(
        self,
        loan_id: UUID,
        command: loans.ApplyForLoan | loans.LoanCommand,
        ctx: CommandContext,
        borrower: loans.Borrower | None = None,
    ) -> CommandResult:
        """`borrower` is given for an application, which creates the loan."""

        def authorise(loan: loans.Loan | None) -> None:
            where = loan or borrower
            assert where is not None, "a loan, or the borrower of a new one"
            self._authorizer.check(ctx.principal, WRITE, where.commune_code, STREAM_TYPE)

        def decide(loan: loans.Loan | None) -> list[EventPayload]:
            return loans.decide(loan, command, self._clock.today(), borrower=borrower)

        return await self._path.run(
            Command(
                f"loan.{command.name}",
                loan_id,
                command.model_dump(mode="json"),
                decide=decide,
                respond=_answer,
                authorise=authorise,
                creates=borrower is not None,
            ),
            ctx,
        )

    async def _borrower(self, worker_id: UUID, principal: Principal) -> loans.Borrower:
        """The commune and province of the worker file, as it stands now. A file outside
        where the caller may lend is answered as a missing one: no oracle of its existence."""
        missing = InvalidField("worker_id", "no worker file has this id")
        try:
            file = workers.AGGREGATE.fold_recorded(
                worker_id, await self._path.streams.read(worker_id)
            )
        except WorkerNotFound:
            raise missing from None
        if not self._authorizer.allows(principal, WRITE, file.commune_code, STREAM_TYPE):
            raise missing
        return loans.Borrower(file.commune_code, file.province_code)


def _answer(loan: loans.Loan) -> dict[str, Any]:
    return {"id": str(loan.id), "version": loan.version, "status": loan.status.value}
