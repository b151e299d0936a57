"""What the worker-file use cases need from the outside, as protocols and plain values.

Commands write through the command path's `Streams[WorkerFile]` (`lmis_shared.commands`),
whose read model (`adapters/worker_files.py`) keeps the one-open-file-per-citizen claim and
the list rows in the append's transaction. `WorkerListing` answers list queries from those
rows. PostgreSQL implements both (`adapters/`); unit tests use the in-memory fakes there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

from lmis_registry.domain.workers import WorkerStatus
from lmis_shared.contracts.registry import PriorityGroup


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


@dataclass(frozen=True)
class WorkerPage:
    items: list[WorkerSummary]
    next_cursor: str | None
    """Opaque; pass it back as `cursor` for the next page. None on the last page."""


class WorkerListing(Protocol):
    async def search(self, query: WorkerSearch) -> WorkerPage: ...
