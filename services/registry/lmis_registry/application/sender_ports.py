"""What the register of sending organisations needs from storage: its list and the lookup of
a licence number (`adapters/sender_list.py` on PostgreSQL, `adapters/sender_memory.py` for
unit tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from lmis_registry.domain.senders.state import SenderEntry
from lmis_shared.contracts.registry import SendingOrganisationKind
from lmis_shared.contracts.registry_senders import LicenceStatus


@dataclass(frozen=True)
class SenderSearch:
    kind: SendingOrganisationKind | None = None
    statuses: tuple[LicenceStatus, ...] = ()
    market: str | None = None
    licence_number: str | None = None
    text: str | None = None
    """Part of the name, as typed (case-insensitive)."""
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class SenderSummary(SenderEntry):
    complaints: int


@dataclass(frozen=True)
class SenderPage:
    items: list[SenderSummary]
    next_cursor: str | None


class SenderDirectory(Protocol):
    async def id_of_licence(self, licence_number: str) -> UUID | None: ...

    async def search(self, query: SenderSearch) -> SenderPage: ...
