"""Use cases on foreign worker files: each command runs on the shared command path
(`lmis_shared.commands.CommandPath`); the queries read the stream and the read model.

A file's scope is the employer's work location copied into it at registration (resource
kind `permit`; registering temporary residence is kind `residence`, which the police hold).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace
from uuid import UUID

from lmis_permits.application.employers import Employers
from lmis_permits.application.ports import PermitsReads, WorkerQuery, WorkerRow
from lmis_permits.application.scope import changed, in_scope
from lmis_permits.domain import foreign_workers as fw
from lmis_permits.domain.errors import EmployerNotFound
from lmis_permits.domain.passports import OpenPassportFileExists
from lmis_permits.domain.permit_status import PermitFacts, PermitStatus, permit_status
from lmis_permits.domain.rules import PermitRules
from lmis_shared.auth import ERASE, READ, WRITE, Authorizer, Principal
from lmis_shared.clock import Clock
from lmis_shared.commands import Command, CommandContext, CommandPath, CommandResult, new_stream_id
from lmis_shared.contracts.permits import ForeignWorkerErased
from lmis_shared.errors import Forbidden, InvalidInput, RegistrationRefused
from lmis_shared.events import RecordedEvent
from lmis_shared.privacy.erasure import EraseRequest, decide_erasure

PERMIT = "permit"
RESIDENCE = "residence"
_CURSOR_PREFIX = "fw1:"


@dataclass(frozen=True)
class WorkerPage:
    items: list[WorkerRow]
    next_cursor: str | None


@dataclass(frozen=True)
class ForeignWorkers:
    commands: CommandPath[fw.ForeignWorkerFile]
    reads: PermitsReads
    clock: Clock
    authorizer: Authorizer
    rules: PermitRules
    employers: Employers

    def permit_status(self, facts: PermitFacts, within_days: int | None = None) -> PermitStatus:
        """The status today; `within_days` defaults to the configured `expiring` horizon."""
        horizon = self.rules.expiring_within_days if within_days is None else within_days
        return permit_status(facts, self.clock.today(), horizon)

    async def register(
        self, command: fw.RegisterForeignWorker, ctx: CommandContext
    ) -> CommandResult:
        """Open a file, within the employer's approved headcount (re-checked by the read model
        in the append's transaction, so two registrations cannot both take the last place)."""
        try:
            employer = await self.employers.get(command.employer_tax_code, ctx.principal)
        except EmployerNotFound:
            raise InvalidInput("employer_tax_code", "no employer is registered under it") from None
        self.authorizer.check(ctx.principal, WRITE, employer.commune_code, PERMIT)
        today = self.clock.today()
        engaged_on = command.engaged_on or today
        headcount = await self.reads.headcount(employer.tax_code, command.position, engaged_on)
        register = Command[fw.ForeignWorkerFile](
            "register",
            new_stream_id(),
            command.model_dump(mode="json"),
            decide=lambda _: fw.decide(
                None, command, today, rules=self.rules, employer=employer, headcount=headcount
            ),
            respond=changed,
            creates=True,
        )
        try:
            return await self.commands.run(register, ctx)
        except OpenPassportFileExists as conflict:
            # only a caller who may read the open file learns that there is one
            holder = conflict.holder_commune
            if holder and self.authorizer.allows(ctx.principal, READ, holder, PERMIT):
                raise
            raise RegistrationRefused() from None

    async def handle(
        self, worker_id: UUID, command: fw.FileCommand, ctx: CommandContext
    ) -> CommandResult:
        kind = RESIDENCE if command.name is fw.CommandName.register_residence else PERMIT
        change = Command[fw.ForeignWorkerFile](
            command.name.value,
            worker_id,
            command.model_dump(mode="json"),
            decide=lambda state: fw.decide(state, command, self.clock.today(), rules=self.rules),
            respond=changed,
            authorise=in_scope(self.authorizer, ctx.principal, WRITE, kind),
        )
        return await self.commands.run(change, ctx)

    async def erase(
        self, worker_id: UUID, request: EraseRequest, ctx: CommandContext
    ) -> CommandResult:
        """Erase the foreign worker's personal data (admin only): the erasure event destroys
        the data key in the append's transaction, the list row loses the name in the same one."""

        def decide(state: fw.ForeignWorkerFile | None) -> list[ForeignWorkerErased]:
            assert state is not None
            today = self.clock.today()
            return decide_erasure(state.erasure is not None, request, today, ForeignWorkerErased)

        erase = Command[fw.ForeignWorkerFile](
            request.command_name,
            worker_id,
            request.model_dump(mode="json"),
            decide=decide,
            respond=changed,
            authorise=in_scope(self.authorizer, ctx.principal, ERASE, PERMIT),
        )
        return await self.commands.run(erase, ctx)

    async def get(self, worker_id: UUID, principal: Principal) -> fw.ForeignWorkerFile:
        state, _ = await self.history(worker_id, principal)
        return state

    async def history(
        self, worker_id: UUID, principal: Principal
    ) -> tuple[fw.ForeignWorkerFile, list[RecordedEvent]]:
        """The file and every event recorded on it, oldest first."""
        return await self.commands.history(
            worker_id, in_scope(self.authorizer, principal, READ, PERMIT)
        )

    async def search(
        self, query: WorkerQuery, principal: Principal, cursor: str | None
    ) -> WorkerPage:
        """A page of files in the caller's scope (or the asked unit inside it)."""
        scoped = replace(
            query,
            unit_code=self._scope(principal, query.unit_code),
            after=decode_cursor(cursor),
            within_days=(
                self.rules.expiring_within_days if query.within_days is None else query.within_days
            ),
        )
        rows = await self.reads.foreign_workers(
            replace(scoped, limit=scoped.limit + 1), self.clock.today()
        )
        more = len(rows) > scoped.limit
        rows = rows[: scoped.limit]
        return WorkerPage(rows, encode_cursor(rows[-1].position_key) if more else None)

    def _scope(self, principal: Principal, asked: str | None) -> str | None:
        if self.authorizer.allows(principal, READ, None, PERMIT):
            return asked  # an unscoped grant (admin): the whole country unless a unit is asked
        if asked is None:
            asked = principal.scope
        if not self.authorizer.allows(principal, READ, asked, PERMIT):
            raise Forbidden(f"role {principal.role} may not read permits in the unit asked")
        return asked


def encode_cursor(position_key: int) -> str:
    """Opaque to clients: they pass it back, they do not build it."""
    raw = f"{_CURSOR_PREFIX}{position_key}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if raw.startswith(_CURSOR_PREFIX):
            return int(raw.removeprefix(_CURSOR_PREFIX))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput("query.cursor", "is not a cursor this API gave out")
