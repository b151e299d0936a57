"""Use cases on worker files. No HTTP here.

Every command runs through the one command path (`lmis_shared.commands.CommandPath`): load
the file, check the caller may write it, replay an idempotency key already applied, check
`If-Match`, decide, and save the events with the file's read model (the open-file claim and
the list row) in one transaction. This module only says who may run a command and what it
answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from lmis_registry.application.population import NO_REGISTER, PopulationRegister, identity_of
from lmis_registry.application.ports import WorkerListing, WorkerPage, WorkerSearch
from lmis_registry.domain import workers
from lmis_registry.domain.senders import SendingOrganisation
from lmis_shared.auth import ERASE, OVERRIDE, READ, WRITE, Authorizer, Principal, list_scope
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
from lmis_shared.contracts.registry import WorkerErased
from lmis_shared.errors import Forbidden
from lmis_shared.events import EventPayload, RecordedEvent
from lmis_shared.privacy.erasure import EraseRequest, decide_erasure

SOURCE = "/lmis/registry"
STREAM_TYPE = workers.AGGREGATE.stream_type
"""Also the resource kind the authorizer's grants name."""

AnyCommand = workers.RegisterWorker | workers.AnyWorkerCommand
OVERRIDE_REFUSED = "override_reason is for the province's department (province officers) only"
Checked = tuple[workers.IdentityAnswer, datetime]
"""The population register's answer on a file's identity, and when it was given."""


class SenderFinder(Protocol):
    """The register's entry a contract names (`senders.SenderLookup`); None: not found."""

    async def find(
        self, organisation_id: UUID | None, licence_number: str | None
    ) -> SendingOrganisation | None: ...


class WorkerFiles:
    def __init__(
        self,
        streams: Streams[workers.WorkerFile],
        listing: WorkerListing,
        clock: Clock,
        authorizer: Authorizer,
        idempotency_ttl: timedelta = IDEMPOTENCY_TTL,
        population: PopulationRegister | None = None,
        senders: SenderFinder | None = None,
    ) -> None:
        self._senders = senders
        self._path = CommandPath(
            workers.AGGREGATE, streams, clock, SOURCE, idempotency_ttl=idempotency_ttl
        )
        self._listing = listing
        self._clock = clock
        self._authorizer = authorizer
        self._population = population

    async def register(self, command: workers.RegisterWorker, ctx: CommandContext) -> CommandResult:
        """Open a file (201): answers its id and version, with the population register's
        answer on the identity recorded beside the registration (`identity_checked`)."""
        identity = await self._check_identity(command, ctx)
        return await self._run(new_stream_id(), command, ctx, creates=True, identity=identity)

    async def _check_identity(
        self, command: workers.RegisterWorker, ctx: CommandContext
    ) -> Checked | None:
        """The register is asked only for a caller who may open files in the commune: a
        refused registration must not be a way to query it. None: no register configured."""
        if self._population is None:
            return None
        if not self._authorizer.allows(ctx.principal, WRITE, command.commune_code, STREAM_TYPE):
            return None
        given = workers.Identity(
            command.citizen_id, command.full_name, command.date_of_birth, command.commune_code
        )
        return await self._population.verify(given), self._clock.now()

    async def execute(
        self, worker_id: UUID, command: workers.AnyWorkerCommand, ctx: CommandContext
    ) -> CommandResult:
        """Run a command on an existing file: answers its id, new version and status. A
        contract's sending organisation is looked up in the register first (`sender_check`)."""
        if isinstance(command, workers.CheckIdentity):
            return await self._recheck_identity(worker_id, command, ctx)
        sender = None
        if isinstance(command, workers.SignContract) and self._senders is not None:
            named = command.sending_organisation
            sender = await self._senders.find(named.organisation_id, named.licence_number)
        return await self._run(worker_id, command, ctx, creates=False, sender=sender)

    async def _recheck_identity(
        self, worker_id: UUID, command: workers.CheckIdentity, ctx: CommandContext
    ) -> CommandResult:
        """Ask the register about the file's identity as it stands (only for a caller who may
        write the file), then record the answer if the file has not moved on meanwhile."""

        def may_write(state: workers.WorkerFile) -> None:
            self._authorizer.check(ctx.principal, WRITE, state.commune_code, STREAM_TYPE)

        state = await self._path.load(worker_id, may_write)
        identity = None
        if state.erasure is None:  # an erased file is refused by `decide`, nothing to ask
            register = self._population or NO_REGISTER
            identity = await register.verify(identity_of(state)), self._clock.now()
        pinned = ctx if ctx.if_match is not None else replace(ctx, if_match=state.version)
        return await self._run(worker_id, command, pinned, creates=False, identity=identity)

    async def erase(
        self, worker_id: UUID, request: EraseRequest, ctx: CommandContext
    ) -> CommandResult:
        """Erase the worker's personal data (admin only): the erasure event destroys the data
        key in the append's transaction, the list row loses the name in the same one."""

        def authorise(state: workers.WorkerFile | None) -> None:
            assert state is not None
            self._authorizer.check(ctx.principal, ERASE, state.commune_code, STREAM_TYPE)

        def decide(state: workers.WorkerFile | None) -> list[EventPayload]:
            assert state is not None
            today = self._clock.today()
            return list(decide_erasure(state.erasure is not None, request, today, WorkerErased))

        return await self._path.run(
            Command(
                request.command_name,
                worker_id,
                request.model_dump(mode="json"),
                decide=decide,
                respond=_accepted,
                authorise=authorise,
            ),
            ctx,
        )

    async def get(self, worker_id: UUID, principal: Principal) -> workers.WorkerFile:
        return await self._path.load(worker_id, self._may_read(principal))

    async def history(self, worker_id: UUID, principal: Principal) -> list[RecordedEvent]:
        """The file's events in order, for whoever may read the file."""
        _, recorded = await self._path.history(worker_id, self._may_read(principal))
        return recorded

    def _may_read(self, principal: Principal) -> Callable[[workers.WorkerFile], None]:
        return lambda state: self._authorizer.check(
            principal, READ, state.commune_code, STREAM_TYPE
        )

    async def search(self, query: WorkerSearch, principal: Principal) -> WorkerPage:
        """A page of the files the caller may read that match `query`."""
        return await self._listing.search(_within_scope(query, principal, self._authorizer))

    async def _run(
        self,
        worker_id: UUID,
        command: AnyCommand,
        ctx: CommandContext,
        *,
        creates: bool,
        identity: Checked | None = None,
        sender: SendingOrganisation | None = None,
    ) -> CommandResult:
        def authorise(state: workers.WorkerFile | None) -> None:
            self._authorise_write(ctx.principal, state, command)

        def decide(state: workers.WorkerFile | None) -> list[EventPayload]:
            today = self._clock.today()
            return workers.decide(state, command, today, identity=identity, sender=sender)

        built = Command(
            command.command_name,
            worker_id,
            command.model_dump(mode="json", exclude_unset=True),
            decide=decide,
            respond=_created if creates else _accepted,
            authorise=authorise,
            creates=creates,
        )
        try:
            return await self._path.run(built, ctx)
        except workers.OpenFileExists as conflict:
            # only a caller who may read the citizen's open file learns that there is one
            holder = conflict.holder_commune
            if holder and self._authorizer.allows(ctx.principal, READ, holder, STREAM_TYPE):
                raise
            raise workers.RegistrationRefused() from None

    def _authorise_write(
        self, principal: Principal, state: workers.WorkerFile | None, command: AnyCommand
    ) -> None:
        if state is not None:
            self._authorizer.check(principal, WRITE, state.commune_code, STREAM_TYPE)
        # registering a file in a commune, or moving a file to another commune, needs the
        # right to write files there
        # (a plain 403 on a file the caller sees: the commune is the caller's own input)
        named = getattr(command, "commune_code", None)  # RegisterWorker, UpdateProfile
        if named is not None and not self._authorizer.allows(principal, WRITE, named, STREAM_TYPE):
            raise Forbidden(f"role {principal.role} may not write worker files in that commune")
        # a contract through an organisation the register refuses enters only as the
        # department's audited historical record: a commune officer may not wave it through
        overriding = isinstance(command, workers.SignContract) and command.override_reason
        where = state.commune_code if state is not None else None
        if overriding and not self._authorizer.allows(principal, OVERRIDE, where, STREAM_TYPE):
            raise Forbidden(OVERRIDE_REFUSED)


def _created(state: workers.WorkerFile) -> dict[str, Any]:
    return {"id": str(state.id), "version": state.version}


def _accepted(state: workers.WorkerFile) -> dict[str, Any]:
    return {"id": str(state.id), "version": state.version, "status": state.status.value}


def _within_scope(
    query: WorkerSearch, principal: Principal, authorizer: Authorizer
) -> WorkerSearch:
    """The query limited to the caller's unit, unless the caller may read files anywhere.

    A grant that covers an object of unknown unit is an `anywhere` grant (admin); any other
    role must be allowed to read files in its own scope, and sees nothing outside it.
    """
    return replace(query, scope=list_scope(authorizer, principal, READ, STREAM_TYPE))
