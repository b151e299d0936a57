"""What the use cases need from the outside: a ledger that appends a stream's events and
updates the read model in one transaction, and the read model's queries.

`adapters/postgres.py` implements both on PostgreSQL. The read model answers what no single
stream can: how many foreigners an employer engages in a position, and the filtered list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

from lmis_permits.domain.demands import Demand
from lmis_permits.domain.employers import Employer
from lmis_permits.domain.foreign_workers import ForeignWorkerFile
from lmis_permits.domain.headcount import Headcount
from lmis_permits.domain.permit_status import PermitFacts, PermitStatus
from lmis_shared.contracts.permits import PositionType
from lmis_shared.events import NewEvent, RecordedEvent
from lmis_shared.eventstore import AppendContext, IdempotencyRecord, StoredResponse

State = Employer | Demand | ForeignWorkerFile


@dataclass(frozen=True)
class HeadcountGuard:
    """Re-check the headcount inside the append's transaction, serialised per position, so two
    concurrent registrations cannot both take the last place."""

    employer_tax_code: str
    position: PositionType
    on: date


@dataclass(frozen=True)
class Change:
    stream_id: UUID
    stream_type: str
    expected_version: int
    events: Sequence[NewEvent]
    context: AppendContext
    state_after: State
    idempotency: IdempotencyRecord | None = None
    headcount_guard: HeadcountGuard | None = None


class Ledger(Protocol):
    async def read_stream(self, stream_id: UUID) -> list[RecordedEvent]: ...

    async def find_response(self, key: str) -> StoredResponse | None: ...

    async def record(self, change: Change) -> None:
        """Append the events and update the read model, all or nothing.

        Raises what `EventStore.append` raises (WrongExpectedVersion, DuplicateCommand), and
        HeadcountExceeded when the guard finds the position full.
        """
        ...


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
    full_name: str
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
