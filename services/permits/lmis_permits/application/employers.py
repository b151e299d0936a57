"""Use cases on employers and their demand approvals: authorise, load, decide, record.

Employers and demands are checked against the employer's work location (resource kind
`employer`): a province officer of another province neither sees nor changes them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from lmis_permits.application.common import Outcome, Recorder
from lmis_permits.application.ports import DemandRow, Ledger, PermitsReads
from lmis_permits.domain import demands, employers
from lmis_permits.domain.errors import DemandNotFound, EmployerNotFound
from lmis_permits.domain.headcount import Headcount
from lmis_permits.domain.permit_status import PermitStatus, permit_status
from lmis_permits.domain.rules import PermitRules
from lmis_permits.domain.streams import fold, fold_more
from lmis_shared.auth import READ, WRITE, Authorizer, Principal
from lmis_shared.clock import Clock
from lmis_shared.commands import CommandContext, CommandResult, check_if_match, request_fingerprint
from lmis_shared.contracts.permits import PositionType
from lmis_shared.events import EventPayload, RecordedEvent

EMPLOYER = "employer"
DEMAND = "demand"


@dataclass(frozen=True)
class EmployerSummary:
    """An employer with what the province asks about it: demands, headcount, permits."""

    employer: employers.Employer
    demands: list[DemandRow]
    headcount: list[Headcount]
    permits: dict[PermitStatus, int]
    """Files still employed, by permit status today."""


class Employers:
    def __init__(
        self,
        ledger: Ledger,
        reads: PermitsReads,
        clock: Clock,
        authorizer: Authorizer,
        rules: PermitRules,
    ) -> None:
        self._ledger = ledger
        self._reads = reads
        self._clock = clock
        self._authorizer = authorizer
        self._rules = rules
        self._recorder = Recorder(ledger, clock)

    async def register(
        self, command: employers.RegisterEmployer, ctx: CommandContext
    ) -> CommandResult:
        self._authorizer.check(ctx.principal, WRITE, command.commune_code, EMPLOYER)
        fingerprint = request_fingerprint("register-employer", "", command.model_dump(mode="json"))
        if replayed := await self._recorder.replay(ctx, fingerprint):
            return replayed
        stream_id = employers.employer_stream_id(command.tax_code)
        current = await self._load(stream_id)
        decided = employers.decide_register(current, command, self._clock.today())
        state = fold(employers.evolve, stream_id, enumerate(decided, start=1))
        assert state is not None
        outcome = Outcome(stream_id, EMPLOYER, 0, decided, state, 201, _body(state))
        return await self._recorder.record(outcome, ctx, fingerprint)

    async def update(
        self, tax_code: str, command: employers.UpdateEmployer, ctx: CommandContext
    ) -> CommandResult:
        state = await self.get(tax_code, ctx.principal, WRITE)
        if command.commune_code is not None:  # moving it: the new place must be ours too
            self._authorizer.check(ctx.principal, WRITE, command.commune_code, EMPLOYER)
        fingerprint = request_fingerprint(
            "update-employer", tax_code, command.model_dump(mode="json", exclude_unset=True)
        )
        if replayed := await self._recorder.replay(ctx, fingerprint):
            return replayed
        check_if_match(ctx, state.version)
        decided = employers.decide_update(state, command)
        after = fold_more(employers.evolve, state, decided)
        outcome = Outcome(state.id, EMPLOYER, state.version, decided, after, 200, _body(after))
        return await self._recorder.record(outcome, ctx, fingerprint)

    async def get(
        self, tax_code: str, principal: Principal, action: str = READ
    ) -> employers.Employer:
        state = await self._load(employers.employer_stream_id(tax_code))
        if state is None:
            raise EmployerNotFound(tax_code)
        self._authorizer.check(principal, action, state.commune_code, EMPLOYER)
        return state

    async def summary(self, tax_code: str, principal: Principal) -> EmployerSummary:
        employer = await self.get(tax_code, principal)
        today = self._clock.today()
        positions = [
            await self._reads.headcount(tax_code, position, today) for position in PositionType
        ]
        counts = dict.fromkeys(PermitStatus, 0)
        for facts in await self._reads.permits_of(tax_code):
            counts[permit_status(facts, today, self._rules.expiring_within_days)] += 1
        return EmployerSummary(
            employer=employer,
            demands=await self._reads.demands_of(tax_code),
            headcount=[h for h in positions if h.approved or h.engaged],
            permits=counts,
        )

    async def _load(self, stream_id: UUID) -> employers.Employer | None:
        recorded = await self._ledger.read_stream(stream_id)
        return fold(employers.evolve, stream_id, _versioned(recorded))


class Demands:
    def __init__(
        self, ledger: Ledger, clock: Clock, authorizer: Authorizer, employers_: Employers
    ) -> None:
        self._ledger = ledger
        self._clock = clock
        self._authorizer = authorizer
        self._employers = employers_
        self._recorder = Recorder(ledger, clock)

    async def submit(
        self, tax_code: str, command: demands.SubmitDemand, ctx: CommandContext
    ) -> CommandResult:
        employer = await self._employers.get(tax_code, ctx.principal, WRITE)
        fingerprint = request_fingerprint(
            "submit-demand", tax_code, command.model_dump(mode="json")
        )
        if replayed := await self._recorder.replay(ctx, fingerprint):
            return replayed
        decided = demands.decide_submit(employer, command, self._clock.today())
        demand_id = uuid.uuid4()
        state = fold(demands.evolve, demand_id, enumerate(decided, start=1))
        assert state is not None
        outcome = Outcome(demand_id, DEMAND, 0, decided, state, 201, _demand_body(state))
        return await self._recorder.record(outcome, ctx, fingerprint)

    async def approve(
        self, demand_id: UUID, command: demands.ApproveDemand, ctx: CommandContext
    ) -> CommandResult:
        def decide(state: demands.Demand, today: date) -> list[EventPayload]:
            return demands.decide_approve(state, command, today)

        return await self._decide(demand_id, "approve", command, ctx, decide)

    async def reject(
        self, demand_id: UUID, command: demands.RejectDemand, ctx: CommandContext
    ) -> CommandResult:
        def decide(state: demands.Demand, today: date) -> list[EventPayload]:
            return demands.decide_reject(state, command, today)

        return await self._decide(demand_id, "reject", command, ctx, decide)

    async def get(
        self, demand_id: UUID, principal: Principal, action: str = READ
    ) -> demands.Demand:
        recorded = await self._ledger.read_stream(demand_id)
        state = fold(demands.evolve, demand_id, _versioned(recorded))
        if state is None:
            raise DemandNotFound(demand_id)
        self._authorizer.check(principal, action, state.commune_code, EMPLOYER)
        return state

    async def _decide(
        self,
        demand_id: UUID,
        name: str,
        command: BaseModel,
        ctx: CommandContext,
        decide: Callable[[demands.Demand, date], list[EventPayload]],
    ) -> CommandResult:
        state = await self.get(demand_id, ctx.principal, WRITE)
        fingerprint = request_fingerprint(name, demand_id, command.model_dump(mode="json"))
        if replayed := await self._recorder.replay(ctx, fingerprint):
            return replayed
        check_if_match(ctx, state.version)
        decided = decide(state, self._clock.today())
        after = fold_more(demands.evolve, state, decided)
        outcome = Outcome(
            demand_id, DEMAND, state.version, decided, after, 200, _demand_body(after)
        )
        return await self._recorder.record(outcome, ctx, fingerprint)


def _versioned(recorded: list[RecordedEvent]) -> Iterator[tuple[int, EventPayload]]:
    return ((r.metadata.stream_version, r.payload()) for r in recorded)


def _body(state: employers.Employer) -> dict[str, Any]:
    return {"tax_code": state.tax_code, "version": state.version}


def _demand_body(state: demands.Demand) -> dict[str, Any]:
    return {"id": str(state.id), "version": state.version, "status": state.status.value}
