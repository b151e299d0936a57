"""Use cases on the register of sending organisations. No HTTP here.

Who may do what (the registry's grants, resource kind `sending_organisation`): the provincial
department (province officers) and admins register, update and suspend; commune and province
officers record complaints; every officer reads (the ministry publishes the list). The
register is national data: it has no unit, so the checks name the caller's own scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from lmis_registry.application.sender_ports import SenderDirectory, SenderPage, SenderSearch
from lmis_registry.application.workers import SOURCE
from lmis_registry.domain import senders
from lmis_registry.domain.senders import SendingOrganisation, SendingOrganisationNotFound
from lmis_shared.auth import Principal, Role
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
from lmis_shared.contracts.registry_senders import SendingOrganisationRegistered
from lmis_shared.errors import Forbidden
from lmis_shared.events import EventPayload, RecordedEvent
from lmis_shared.reference.units import province_of

MAINTAINERS = frozenset({Role.ADMIN, Role.PROVINCE_OFFICER})
"""The provincial department keeps the register (the ministry's list is its source)."""
COMPLAINANTS = frozenset({Role.ADMIN, Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.POLICE})
READERS = COMPLAINANTS


@dataclass(frozen=True)
class SenderLookup:
    """Finds the register's entry a contract names: by id, or by licence number."""

    streams: Streams[Any]
    directory: SenderDirectory

    async def find(
        self, organisation_id: UUID | None, licence_number: str | None
    ) -> SendingOrganisation | None:
        if organisation_id is None and licence_number is not None:
            organisation_id = await self.directory.id_of_licence(licence_number)
        if organisation_id is None:
            return None
        recorded = await self.streams.read(organisation_id)
        if not recorded or recorded[0].event_type != SendingOrganisationRegistered.event_type:
            return None  # no stream, or another kind of stream (a worker file's id)
        return senders.AGGREGATE.fold_recorded(organisation_id, recorded)


def require_role(principal: Principal, roles: frozenset[Role], what: str) -> None:
    if principal.role not in roles:
        raise Forbidden(f"role {principal.role} may not {what} sending organisations")


class SendingOrganisations:
    def __init__(
        self,
        streams: Streams[SendingOrganisation],
        directory: SenderDirectory,
        clock: Clock,
        idempotency_ttl: timedelta = IDEMPOTENCY_TTL,
    ) -> None:
        ttl = idempotency_ttl
        self._path = CommandPath(senders.AGGREGATE, streams, clock, SOURCE, idempotency_ttl=ttl)
        self._directory = directory
        self._clock = clock

    async def register(
        self,
        command: senders.RegisterSendingOrganisation,
        ctx: CommandContext,
        *,
        imported: bool = False,
    ) -> CommandResult:
        return await self._run(new_stream_id(), command, ctx, imported=imported)

    async def execute(
        self, organisation_id: UUID, command: senders.SenderCommand, ctx: CommandContext
    ) -> CommandResult:
        return await self._run(organisation_id, command, ctx)

    async def get(self, organisation_id: UUID, principal: Principal) -> SendingOrganisation:
        return await self._path.load(
            organisation_id, lambda _: require_role(principal, READERS, "read")
        )

    async def history(self, organisation_id: UUID, principal: Principal) -> list[RecordedEvent]:
        _, recorded = await self._path.history(
            organisation_id, lambda _: require_role(principal, READERS, "read")
        )
        return recorded

    async def search(self, query: SenderSearch, principal: Principal) -> SenderPage:
        require_role(principal, READERS, "read")
        return await self._directory.search(query)

    async def _run(
        self,
        organisation_id: UUID,
        command: senders.RegisterSendingOrganisation | senders.SenderCommand,
        ctx: CommandContext,
        *,
        imported: bool = False,
    ) -> CommandResult:
        creates = isinstance(command, senders.RegisterSendingOrganisation)

        def authorise(_: SendingOrganisation | None) -> None:
            if isinstance(command, senders.RecordComplaint):
                require_role(ctx.principal, COMPLAINANTS, "record complaints about")
                if not _within_scope(ctx.principal, command.commune_code):
                    raise Forbidden("a complaint is recorded by an officer of its commune's unit")
            else:
                require_role(ctx.principal, MAINTAINERS, "maintain")

        def decide(state: SendingOrganisation | None) -> list[EventPayload]:
            return senders.decide(state, command, self._clock.today(), imported=imported)

        return await self._path.run(
            Command(
                f"sending_organisation.{command.command_name}",
                organisation_id,
                command.model_dump(mode="json", exclude_unset=True),
                decide=decide,
                respond=_answer,
                authorise=authorise,
                creates=creates,
            ),
            ctx,
        )


def _within_scope(principal: Principal, commune_code: str) -> bool:
    """An admin anywhere; others in their own commune, or a commune of their province."""
    if principal.role == Role.ADMIN:
        return True
    return principal.scope in (commune_code, province_of(commune_code))


def _answer(state: SendingOrganisation) -> dict[str, Any]:
    return {
        "id": str(state.id),
        "version": state.version,
        "licence_status": state.licence_status.value,
    }


def not_found(organisation_id: UUID) -> SendingOrganisationNotFound:
    return SendingOrganisationNotFound(organisation_id)
