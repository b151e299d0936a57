"""What the worker-file use cases need from the outside, as protocols and plain values.

Commands write through the command path's `Streams[WorkerFile]` (`lmis_shared.commands`),
whose read model (`adapters/worker_files.py`) keeps the one-open-file-per-citizen claim and
the list rows in the append's transaction. `WorkerListing` answers list queries from those
rows; `LoanListing` the loan list's, from the loans' rows kept the same way. PostgreSQL
implements them (`adapters/`); unit tests use the in-memory fakes there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

from lmis_registry.domain.loans import LoanStatus
from lmis_registry.domain.workers import IdentityStatus, WorkerStatus
from lmis_shared.contracts.registry import PriorityGroup
from lmis_shared.contracts.registry_loans import LoanPurpose


@dataclass(frozen=True)
class WorkerSearch:
    """A list query. `scope` is the caller's administrative unit (None: everywhere); the
    other filters narrow within it. `text` matches names with or without diacritics."""

    scope: str | None = None
    statuses: tuple[WorkerStatus, ...] = ()
    province_code: str | None = None
    commune_code: str | None = None
    destination_country: str | None = None
    programme: str | None = None
    sending_organisation: str | None = None
    priority_group: PriorityGroup | None = None
    departed_from: date | None = None
    departed_to: date | None = None
    text: str | None = None
    identity: tuple[IdentityStatus, ...] = ()
    """The follow-up list: files whose identity is `unverified` or a `mismatch`."""
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class WorkerSummary:
    id: UUID
    version: int
    status: WorkerStatus
    full_name: str | None
    """None once the worker's personal data is erased."""
    commune_code: str
    province_code: str
    priority_groups: tuple[PriorityGroup, ...]
    registered_on: date
    destination_country: str | None
    programme: str | None
    departure_date: date | None
    identity: IdentityStatus = IdentityStatus.unverified


@dataclass(frozen=True)
class WorkerPage:
    items: list[WorkerSummary]
    next_cursor: str | None
    """Opaque; pass it back as `cursor` for the next page. None on the last page."""


class WorkerListing(Protocol):
    async def search(self, query: WorkerSearch) -> WorkerPage: ...


@dataclass(frozen=True)
class LoanSearch:
    """A loan list query, as of a day (overdue moves with the day, not with events). `scope`
    is the caller's unit (None: everywhere); every other field given must hold."""

    as_of: date
    scope: str | None = None
    statuses: tuple[LoanStatus, ...] = ()
    purpose: LoanPurpose | None = None
    province_code: str | None = None
    commune_code: str | None = None
    worker_id: UUID | None = None
    overdue: bool | None = None
    """True: in arrears on `as_of`; False: not in arrears."""
    overdue_amount_min: int | None = None
    days_past_due_min: int | None = None
    applied_from: date | None = None
    applied_to: date | None = None
    sort: str | None = None
    """`applied_on`, `amount`, `outstanding`, `overdue_amount`, `days_past_due`; `-` first
    for descending. Default `-applied_on` (newest first)."""
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class LoanSummary:
    id: UUID
    version: int
    status: LoanStatus
    purpose: LoanPurpose
    worker_id: UUID
    commune_code: str
    province_code: str
    applied_on: date
    amount_vnd: int
    """Disbursed, else approved, else applied for."""
    disbursed_on: date | None
    outstanding_vnd: int
    overdue_amount_vnd: int
    days_past_due: int
    overdue_since: date | None


@dataclass(frozen=True)
class LoanPage:
    items: list[LoanSummary]
    next_cursor: str | None
    as_of: date
    """The day the figures are computed for (a cursor keeps its first page's day)."""


class LoanListing(Protocol):
    async def search(self, query: LoanSearch) -> LoanPage: ...
