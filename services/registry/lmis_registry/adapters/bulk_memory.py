"""The in-memory fake of `BulkFiles`, on top of `InMemoryWorkerFiles` so that imported files
are seen by the worker-file use cases of the same test.

Same contract as PostgreSQL: the whole batch is checked before anything is written, and each
call runs without yielding to other tasks in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from lmis_registry.adapters.memory import InMemoryWorkerFiles
from lmis_registry.adapters.open_files import citizen_key
from lmis_registry.application.imports import import_file_id
from lmis_registry.application.worker_ports import FileChange
from lmis_registry.domain.workers import OpenFileExists
from lmis_shared.eventstore import WrongExpectedVersion

_SECRET = b"in-memory-imports"


class InMemoryBulkFiles:
    def __init__(self, files: InMemoryWorkerFiles | None = None) -> None:
        self.files = files or InMemoryWorkerFiles()
        self.saves = 0
        """How many batches were saved (a test can see the import batched)."""

    def file_id(self, citizen_id: str, registered_on: date) -> UUID:
        return import_file_id(citizen_key(_SECRET, citizen_id), registered_on)

    async def existing(self, file_ids: Sequence[UUID]) -> dict[UUID, UUID]:
        found: dict[UUID, UUID] = {}
        for file_id in file_ids:
            if recorded := await self.files.events(file_id):
                found[file_id] = recorded[0].metadata.correlation_id
        return found

    async def with_open_file(self, citizen_ids: Sequence[str]) -> set[str]:
        return set(citizen_ids) & self._open_citizens()

    async def save_new(self, changes: Sequence[FileChange]) -> None:
        if not changes:
            return
        opened = self._open_citizens()
        for change in changes:
            if change.worker_id in self.files.files:
                raise WrongExpectedVersion(change.worker_id, 0, change.after.version)
            if change.after.is_open:
                if change.after.person.citizen_id in opened:
                    raise OpenFileExists()
                opened.add(change.after.person.citizen_id)
        for change in changes:  # every check passed: write them all
            await self.files.save(change)
        self.saves += 1

    def _open_citizens(self) -> set[str]:
        return {s.person.citizen_id for s in self.files.files.values() if s.is_open}
