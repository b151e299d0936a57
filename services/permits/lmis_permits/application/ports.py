"""What the use cases need from the outside besides the command path's streams
(`lmis_shared.commands.Streams`): the read model's queries. The read model answers what no
single stream can: how many foreigners an employer engages in a position, and the filtered
list. `adapters/postgres.py` implements it on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from lmis_permits.domain.employers import Employer
from lmis_permits.domain.headcount import Headcount
from lmis_permits.domain.permit_status import PermitFacts, PermitStatus
from lmis_shared.contracts.permits import PositionType

T = TypeVar("T")

SOURCE = "/lmis/permits"
"""The source of the events the permits use cases append."""


@dataclass(frozen=True)
class WorkerQuery:
    unit_code: str | None = None
    """A province or commune code; None: the whole country (callers with no scope limit)."""
    nationality: str | None = None
    employer_tax_code: str | None = None
    position: PositionType | None = None
    permit_status: PermitStatus | None = None
    within_days: int | None = None
    """The `expiring` horizon; None: the configured default."""
    employed: bool | None = None
    after: int | None = None
    """The position after which the page starts (decoded from the opaque cursor)."""
    limit: int = 50


@dataclass(frozen=True)
class WorkerRow:
    position_key: int
    id: UUID
    version: int
    status: str
    full_name: str | None
    nationality: str
    employer_tax_code: str
    position: PositionType
    commune_code: str
    province_code: str
    engaged_on: date
    permit_number: str | None
    facts: PermitFacts
    ended_on: date | None


@dataclass(frozen=True)
class DemandRow:
    id: UUID
    version: int
    status: str
    position: PositionType
    job_title: str
    number_of_foreigners: int
    period_start: date
    period_end: date
    approved_number: int | None
    decision_number: str | None
    decision_date: date | None


class PermitsReads(Protocol):
    async def headcount(
        self, employer_tax_code: str, position: PositionType, on: date
    ) -> Headcount:
        """Approved and engaged foreigners of an employer in a position on a day."""
        ...

    async def demands_of(self, employer_tax_code: str) -> list[DemandRow]: ...

    async def permits_of(self, employer_tax_code: str) -> list[PermitFacts]:
        """The permit facts of the employer's files still employed."""
        ...

    async def foreign_workers(self, query: WorkerQuery, today: date) -> list[WorkerRow]:
        """Up to `query.limit` rows after `query.after`, in registration order."""
        ...


# --- the employer and demand lists (`application/lists.py`) --------------------------------


@dataclass(frozen=True)
class EmployerQuery:
    scope: str | None = None
    """The caller's unit (None: everywhere); the other fields given must all hold."""
    province_code: str | None = None
    commune_code: str | None = None
    sector: str | None = None
    """Matched folded (no diacritics, any case), whole."""
    industrial_zone: str | None = None
    """Words of the zone's name, folded, each a word prefix (`duc hoa` finds `KCN Đức Hòa 1`)."""
    text: str | None = None
    """Words of the employer's name, folded, or its tax code."""
    sort: str | None = None
    cursor: str | None = None
    limit: int = 50


EmployerListRow = Employer
"""A row of the employer list: the employer's state as the read model keeps it (the same
fields, so the same record, not a second copy of it)."""


@dataclass(frozen=True)
class DemandQuery:
    scope: str | None = None
    statuses: tuple[str, ...] = ()
    position: PositionType | None = None
    employer_tax_code: str | None = None
    province_code: str | None = None
    commune_code: str | None = None
    period_from: date | None = None
    """With `period_to`: demands whose period of employment overlaps these days."""
    period_to: date | None = None
    sort: str | None = None
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class DemandListRow:
    id: UUID
    version: int
    status: str
    employer_tax_code: str
    commune_code: str | None
    province_code: str | None
    position: PositionType
    job_title: str
    number_of_foreigners: int
    period_start: date
    period_end: date
    submitted_on: date | None
    approved_number: int | None
    decision_number: str | None
    decision_date: date | None


@dataclass(frozen=True)
class ListPage(Generic[T]):
    items: list[T]
    next_cursor: str | None


class PermitLists(Protocol):
    async def employers(self, query: EmployerQuery) -> ListPage[EmployerListRow]: ...

    async def demands(self, query: DemandQuery) -> ListPage[DemandListRow]: ...
