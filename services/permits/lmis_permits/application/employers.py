"""Use cases on employers and their demand approvals: each command runs on the shared command
path (`lmis_shared.commands.CommandPath`); the queries read the streams and the read model.

Employers and demands are checked against the employer's work location (resource kind
`employer`): a province officer of another province neither sees nor changes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from lmis_permits.application.ports import DemandRow, PermitsReads
from lmis_permits.application.scope import changed, in_scope
from lmis_permits.domain import demands, employers
from lmis_permits.domain.errors import EmployerNotFound
from lmis_permits.domain.headcount import Headcount
from lmis_permits.domain.permit_status import PermitStatus, permit_status
from lmis_permits.domain.rules import PermitRules
from lmis_shared.auth import READ, WRITE, Authorizer, Principal
from lmis_shared.clock import Clock
from lmis_shared.commands import Command, CommandContext, CommandPath, CommandResult, new_stream_id
from lmis_shared.contracts.permits import PositionType

EMPLOYER = "employer"


@dataclass(frozen=True)
class EmployerSummary:
    """An employer with what the province asks about it: demands, headcount, permits."""

    employer: employers.Employer
    demands: list[DemandRow]
    headcount: list[Headcount]
    permits: dict[PermitStatus, int]
    """Files still employed, by permit status today."""


@dataclass(frozen=True)
class Employers:
    commands: CommandPath[employers.Employer]
    reads: PermitsReads
    clock: Clock
    authorizer: Authorizer
    rules: PermitRules

    async def register(
        self, command: employers.RegisterEmployer, ctx: CommandContext
    ) -> CommandResult:
        stream_id = employers.employer_stream_id(command.tax_code)
        try:  # registered already: refused as a transition (409 naming the state), not a race
            current: employers.Employer | None = await self.commands.load(stream_id)
        except EmployerNotFound:
            current = None

        def authorise(_: employers.Employer | None) -> None:
            self.authorizer.check(ctx.principal, WRITE, command.commune_code, EMPLOYER)

        register = Command[employers.Employer](
            "register-employer",
            stream_id,
            command.model_dump(mode="json"),
            decide=lambda _: employers.decide(current, command, self.clock.today()),
            respond=_body,
            authorise=authorise,
            creates=True,
        )
        return await self.commands.run(register, ctx)

    async def update(
        self, tax_code: str, command: employers.UpdateEmployer, ctx: CommandContext
    ) -> CommandResult:
        where = in_scope(self.authorizer, ctx.principal, WRITE, EMPLOYER)

        def authorise(state: employers.Employer | None) -> None:
            where(state)
            if command.commune_code is not None:  # moving it: the new place must be ours too
                self.authorizer.check(ctx.principal, WRITE, command.commune_code, EMPLOYER)

        update = Command[employers.Employer](
            "update-employer",
            employers.employer_stream_id(tax_code),
            command.model_dump(mode="json", exclude_unset=True),
            decide=lambda state: employers.decide(state, command, self.clock.today()),
            respond=_body,
            authorise=authorise,
        )
        with _named(tax_code):
            return await self.commands.run(update, ctx)

    async def get(
        self, tax_code: str, principal: Principal, action: str = READ
    ) -> employers.Employer:
        with _named(tax_code):
            return await self.commands.load(
                employers.employer_stream_id(tax_code),
                in_scope(self.authorizer, principal, action, EMPLOYER),
            )

    async def summary(self, tax_code: str, principal: Principal) -> EmployerSummary:
        employer = await self.get(tax_code, principal)
        today = self.clock.today()
        positions = [
            await self.reads.headcount(tax_code, position, today) for position in PositionType
        ]
        counts = dict.fromkeys(PermitStatus, 0)
        for facts in await self.reads.permits_of(tax_code):
            counts[permit_status(facts, today, self.rules.expiring_within_days)] += 1
        return EmployerSummary(
            employer=employer,
            demands=await self.reads.demands_of(tax_code),
            headcount=[h for h in positions if h.approved or h.engaged],
            permits=counts,
        )


@dataclass(frozen=True)
class Demands:
    commands: CommandPath[demands.Demand]
    clock: Clock
    authorizer: Authorizer
    employers: Employers

    async def submit(
        self, tax_code: str, command: demands.SubmitDemand, ctx: CommandContext
    ) -> CommandResult:
        employer = await self.employers.get(tax_code, ctx.principal, WRITE)
        submit = Command[demands.Demand](
            "submit-demand",
            new_stream_id(),
            {"tax_code": tax_code, "demand": command.model_dump(mode="json")},
            decide=lambda _: demands.decide(None, command, self.clock.today(), employer=employer),
            respond=changed,
            creates=True,
        )
        return await self.commands.run(submit, ctx)

    async def handle(
        self,
        demand_id: UUID,
        command: demands.DemandCommand,
        ctx: CommandContext,
    ) -> CommandResult:
        """A command on an existing demand: approve, reject, or offer it at home."""
        rules = self.employers.rules
        decision = Command[demands.Demand](
            demands.FOLLOW_UPS[type(command)],
            demand_id,
            command.model_dump(mode="json"),
            decide=lambda state: demands.decide(state, command, self.clock.today(), rules=rules),
            respond=changed,
            authorise=in_scope(self.authorizer, ctx.principal, WRITE, EMPLOYER),
        )
        return await self.commands.run(decision, ctx)

    async def get(self, demand_id: UUID, principal: Principal) -> demands.Demand:
        return await self.commands.load(
            demand_id, in_scope(self.authorizer, principal, READ, EMPLOYER)
        )


@contextmanager
def _named(tax_code: str) -> Iterator[None]:
    """The command path knows an employer by its stream id; its caller, by the tax code."""
    try:
        yield
    except EmployerNotFound:
        raise EmployerNotFound(tax_code) from None


def _body(state: employers.Employer) -> dict[str, Any]:
    return {"tax_code": state.tax_code, "version": state.version}
