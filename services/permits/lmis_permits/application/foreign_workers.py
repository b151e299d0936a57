"""Use cases on foreign worker files: authorise, load, decide, record; and the queries.

A file's scope is the employer's work location copied into it at registration (resource
kind `permit`; registering temporary residence is kind `residence`, which the police hold).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from lmis_permits.application.common import Outcome, Recorder
from lmis_permits.application.employers import Employers
from lmis_permits.application.ports import (
    HeadcountGuard,
    Ledger,
    PermitsReads,
    WorkerQuery,
    WorkerRow,
)
from lmis_permits.domain import foreign_workers as fw
from lmis_permits.domain.errors import EmployerNotFound, ForeignWorkerNotFound, InvalidField
from lmis_permits.domain.foreign_worker_commands import Command, FileCommand, RegisterForeignWorker
from lmis_permits.domain.permit_status import PermitFacts, PermitStatus, permit_status
from lmis_permits.domain.rules import PermitRules
from lmis_permits.domain.streams import fold, fold_more
from lmis_shared.auth import READ, WRITE, Authorizer, Principal
from lmis_shared.clock import Clock
from lmis_shared.commands import CommandContext, CommandResult, check_if_match, request_fingerprint
from lmis_shared.errors import Forbidden, InvalidInput
from lmis_shared.events import RecordedEvent

PERMIT = "permit"
RESIDENCE = "residence"
STREAM_TYPE = "foreign_worker"
_CURSOR_PREFIX = "fw1:"


@dataclass(frozen=True)
class WorkerPage:
    items: list[WorkerRow]
    next_cursor: str | None


class ForeignWorkers:
    def __init__(
        self,
        ledger: Ledger,
        reads: PermitsReads,
        clock: Clock,
        authorizer: Authorizer,
        rules: PermitRules,
        employers_: Employers,
    ) -> None:
        self._ledger = ledger
        self._reads = reads
        self._clock = clock
        self._authorizer = authorizer
        self._rules = rules
        self._employers = employers_
        self._recorder = Recorder(ledger, clock)

    def permit_status(self, facts: PermitFacts, within_days: int | None = None) -> PermitStatus:
        """The status today; `within_days` defaults to the configured `expiring` horizon."""
        horizon = self._rules.expiring_within_days if within_days is None else within_days
        return permit_status(facts, self._clock.today(), horizon)

    async def register(self, command: RegisterForeignWorker, ctx: CommandContext) -> CommandResult:
        try:
            employer = await self._employers.get(command.employer_tax_code, ctx.principal)
        except EmployerNotFound:
            raise InvalidField("employer_tax_code", "no employer is registered under it") from None
        self._authorizer.check(ctx.principal, WRITE, employer.commune_code, PERMIT)
        fingerprint = request_fingerprint("register", "", command.model_dump(mode="json"))
        if replayed := await self._recorder.replay(ctx, fingerprint):
            return replayed
        today = self._clock.today()
        engaged_on = command.engaged_on or today
        headcount = await self._reads.headcount(employer.tax_code, command.position, engaged_on)
        decided = fw.decide_register(employer, command, today, self._rules, headcount)
        worker_id = uuid.uuid4()
        state = fold(fw.evolve, worker_id, enumerate(decided, start=1))
        assert state is not None
        guard = HeadcountGuard(employer.tax_code, command.position, engaged_on)
        outcome = Outcome(worker_id, STREAM_TYPE, 0, decided, state, 201, _body(state), guard)
        return await self._recorder.record(outcome, ctx, fingerprint)

    async def handle(
        self, worker_id: UUID, command: FileCommand, ctx: CommandContext
    ) -> CommandResult:
        kind = RESIDENCE if command.name is Command.register_residence else PERMIT
        state = await self._load(worker_id)
        self._authorizer.check(ctx.principal, WRITE, state.commune_code, kind)
        fingerprint = request_fingerprint(
            command.name.value, worker_id, command.model_dump(mode="json")
        )
        if replayed := await self._recorder.replay(ctx, fingerprint):
            return replayed
        check_if_match(ctx, state.version)
        decided = fw.decide(state, command, self._clock.today(), self._rules)
        after = fold_more(fw.evolve, state, decided)
        outcome = Outcome(worker_id, STREAM_TYPE, state.version, decided, after, 200, _body(after))
        return await self._recorder.record(outcome, ctx, fingerprint)

    async def get(self, worker_id: UUID, principal: Principal) -> fw.ForeignWorkerFile:
        state = await self._load(worker_id)
        self._authorizer.check(principal, READ, state.commune_code, PERMIT)
        return state

    async def history(self, worker_id: UUID, principal: Principal) -> list[RecordedEvent]:
        recorded = await self._ledger.read_stream(worker_id)
        state = _fold(worker_id, recorded)
        self._authorizer.check(principal, READ, state.commune_code, PERMIT)
        return recorded

    async def search(
        self, query: WorkerQuery, principal: Principal, cursor: str | None
    ) -> WorkerPage:
        """A page of files in the caller's scope (or the asked unit inside it)."""
        scoped = replace(
            query,
            unit_code=self._scope(principal, query.unit_code),
            after=decode_cursor(cursor),
            within_days=(
                self._rules.expiring_within_days if query.within_days is None else query.within_days
            ),
        )
        rows = await self._reads.foreign_workers(
            replace(scoped, limit=scoped.limit + 1), self._clock.today()
        )
        more = len(rows) > scoped.limit
        rows = rows[: scoped.limit]
        return WorkerPage(rows, encode_cursor(rows[-1].position_key) if more else None)

    def _scope(self, principal: Principal, asked: str | None) -> str | None:
        if self._authorizer.allows(principal, READ, None, PERMIT):
            return asked  # an unscoped grant (admin): the whole country unless a unit is asked
        if asked is None:
            asked = principal.scope
        if not self._authorizer.allows(principal, READ, asked, PERMIT):
            raise Forbidden(f"role {principal.role} may not read permits in unit {asked}")
        return asked

    async def _load(self, worker_id: UUID) -> fw.ForeignWorkerFile:
        return _fold(worker_id, await self._ledger.read_stream(worker_id))


def _fold(worker_id: UUID, recorded: list[RecordedEvent]) -> fw.ForeignWorkerFile:
    state = fold(fw.evolve, worker_id, ((r.metadata.stream_version, r.payload()) for r in recorded))
    if state is None:
        raise ForeignWorkerNotFound(worker_id)
    return state


def _body(state: fw.ForeignWorkerFile) -> dict[str, Any]:
    return {"id": str(state.id), "version": state.version, "status": state.status.value}


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
