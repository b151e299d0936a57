"""The in-memory register: the fake of `SenderReadModel` and `SenderDirectory` for unit tests,
used as `EventStoreStreams(InMemoryEventStore(), register)` with `register` as the directory.
Same contract as PostgreSQL: a licence number is held once (`LicenceTaken`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from lmis_registry.application.sender_ports import SenderPage, SenderSearch, SenderSummary
from lmis_registry.domain.senders import LicenceTaken, SendingOrganisation
from lmis_shared.commands import Change
from lmis_shared.records import record_from


class InMemoryRegister:
    def __init__(self) -> None:
        self.organisations: dict[UUID, SendingOrganisation] = {}

    async def guard(self, connection: Any, change: Change[SendingOrganisation]) -> None:
        licence = change.after.licence_number
        holder = await self.id_of_licence(licence) if licence else None
        if holder is not None and holder != change.stream_id:
            raise LicenceTaken()

    async def apply(self, connection: Any, change: Change[SendingOrganisation]) -> None:
        self.organisations[change.stream_id] = change.after

    async def id_of_licence(self, licence_number: str) -> UUID | None:
        found = (o.id for o in self.organisations.values() if o.licence_number == licence_number)
        return next(found, None)

    async def search(self, query: SenderSearch) -> SenderPage:
        """Every match on one page (the fake has no cursor)."""
        found = sorted(
            (o for o in self.organisations.values() if _matches(o, query)), key=lambda o: o.name
        )
        return SenderPage([_summary(o) for o in found], None)


def _matches(o: SendingOrganisation, q: SenderSearch) -> bool:
    return (
        (q.kind is None or o.kind == q.kind)
        and (not q.statuses or o.licence_status in q.statuses)
        and (q.market is None or q.market in o.markets)
        and (q.licence_number is None or o.licence_number == q.licence_number)
        and (not q.text or q.text.lower() in o.name.lower())
    )


def _summary(o: SendingOrganisation) -> SenderSummary:
    return record_from(SenderSummary, o)
