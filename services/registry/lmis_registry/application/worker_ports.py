"""What the worker-file use cases need from the outside, as protocols and plain values.

`WorkerRepository` stores a command's events together with everything that must change with
them (the one-open-file-per-citizen claim, the list read model) in one transaction;
`WorkerListing` answers list queries from the read model. PostgreSQL implements both
(`adapters/`); unit tests use the in-memory fakes there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

from lmis_registry.domain.workers import WorkerFile, WorkerStatus
from lmis_shared.contracts.registry import PriorityGroup
from lmis_shared.events import NewEvent, RecordedEvent
from lmis_shared.eventstore import AppendContext, IdempotencyRecord, StoredResponse


@dataclass(frozen=True)
class FileChange:
    """One command's outcome: the events to append after `expected_version`, and the file's
    state before (None for a registration) and after them."""

    worker_id: UUID
    expected_version: int
    events: list[NewEvent]
    context: AppendContext
    idempotency: IdempotencyRecord | None
    before: WorkerFile | None
    after: WorkerFile


class WorkerRepository(Protocol):
    async def events(self, worker_id: UUID) -> list[RecordedEvent]:
        """The file's events in version order (empty when there is no such file)."""
        ...

    async def find_response(self, key: str) -> StoredResponse | None: ...

    async def save(self, change: FileChange) -> None:
        """Append and apply the change atomically.

        Raises the store's WrongExpectedVersion or DuplicateCommand, and OpenFileExists when
        the change would give a citizen a second open file; nothing is stored then.
        """
        ...


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
    full_name: str
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
