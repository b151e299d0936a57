"""A sending organisation (folded from its events by `evolve`), and whether its licence lets
it send a worker to a destination on a day (`licence_problem`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from lmis_shared.commands import VersionedState
from lmis_shared.contracts.registry import SendingOrganisationKind
from lmis_shared.contracts.registry_senders import LicenceStatus, SenderProblem
from lmis_shared.errors import DomainError, NotFound


class SendingOrganisationNotFound(NotFound):
    def __init__(self, organisation_id: UUID) -> None:
        super().__init__("sending organisation", str(organisation_id))


class LicenceTaken(DomainError):
    """Another organisation in the register holds this licence number (409)."""

    def __init__(self) -> None:
        super().__init__("another organisation in the register holds this licence number")


@dataclass(frozen=True)
class SenderEntry:
    """An organisation as the register lists it: who it is and what its licence allows (the
    state below, and a row of the list: `application.sender_ports.SenderSummary`)."""

    id: UUID
    version: int
    kind: SendingOrganisationKind
    name: str
    licence_number: str | None
    licence_status: LicenceStatus
    licensed_on: date | None
    licence_valid_until: date | None
    markets: tuple[str, ...]


@dataclass(frozen=True)
class SendingOrganisation(SenderEntry, VersionedState):
    suspended_on: date | None = None
    suspension_reason: str | None = None
    complaints: int = 0
    last_complaint_on: date | None = None

    def licence_problem(self, destination: str, on: date) -> SenderProblem | None:
        """Why the organisation may not send a worker to `destination` on `on`; None if it may.
        A public centre holds no licence: only its markets are checked."""
        if self.kind == SendingOrganisationKind.licensed_enterprise:
            if self.licence_status == LicenceStatus.revoked:
                return SenderProblem.revoked
            if self.licence_status == LicenceStatus.suspended:
                return SenderProblem.suspended
            expired = self.licence_valid_until is not None and self.licence_valid_until < on
            if self.licence_status == LicenceStatus.expired or expired:
                return SenderProblem.expired
            if self.licensed_on is not None and on < self.licensed_on:
                return SenderProblem.unknown  # not licensed yet on that day
        if destination not in self.markets:
            return SenderProblem.market
        return None
