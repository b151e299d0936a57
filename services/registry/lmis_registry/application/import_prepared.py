"""Rows prepared for storage away from the service's process: the port of an import's worker
processes (`adapters/import_pool.py`).

Planning a row in a thread beside the event loop does not overlap with saving: the GIL makes
the two take turns, and every row's validation, decision, sealing and serialising is Python.
A worker process does all of that for a batch of rows and hands back, per row, what the
checks against stored files need (its file id, citizen, whether it opens a file) and its rows
in the storage's own form (opaque here), so the service's process only looks up the batch,
keeps the rows still new and writes them. What a worker hands back is the same whatever
process made it; rows are checked against earlier rows of the import in the service's
process, in the file's order, as in `RowPlanner.plan`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple, Protocol
from uuid import UUID

from lmis_registry.domain import workers
from lmis_shared.auth import Principal
from lmis_shared.eventstore import AppendContext
from lmis_shared.imports import Row, RowError


@dataclass(frozen=True)
class PreparingJob:
    """What a worker process needs to plan rows as the import's caller (sent per batch)."""

    principal: Principal
    today: date
    context: AppendContext
    headings: Mapping[str, str]
    keep_files: bool
    """Hand back each file's state too (the population register is asked about them after)."""


class PreparedFile(NamedTuple):
    """A tuple, not a dataclass: the service's process makes one per row a worker hands back,
    and a frozen dataclass's `__init__` sets each field through `object.__setattr__`."""

    row: Row
    citizen_id: str
    file_id: UUID
    is_open: bool
    stored: object
    """The file's rows as the storage writes them (made by the storage's worker)."""
    after: workers.WorkerFile | None
    """Its state, when the job asked for it."""


Prepared = PreparedFile | list[RowError]
"""A row prepared, or the reasons it is refused."""


class PreparedImports(Protocol):
    """Prepares batches of rows in worker processes and saves what they prepared."""

    @property
    def window(self) -> int:
        """Batches worth having in preparation at once (the workers, and one waiting)."""
        ...

    async def prepare(
        self, job: PreparingJob, rows: Sequence[Row], stored: Collection[UUID]
    ) -> list[Prepared]:
        """Each of `rows` prepared or refused, in order; the files of `stored` (found stored
        already: their rows will be skipped) are planned but not made ready to save."""
        ...

    async def save_prepared(self, files: Sequence[PreparedFile]) -> None:
        """Save new files all together or not at all, as `BulkFiles.save_new` does."""
        ...
