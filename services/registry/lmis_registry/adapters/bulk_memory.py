"""The in-memory fake of `BulkFiles`, on the same store and worker read model as the
worker-file use cases of a test (`streams`), so that imported files are seen by them.

Same contract as PostgreSQL: the whole batch is checked before anything is written, and each
call runs without yielding to other tasks in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from lmis_registry.adapters.memory import InMemoryWorkerFiles
from lmis_registry.adapters.open_files import citizen_key
from lmis_registry.application.import_files import ImportedFile, import_file_id
from lmis_registry.domain.workers import OpenFileExists, WorkerFile
from lmis_shared.commands import Change, EventStoreStreams
from lmis_shared.eventstore import InMemoryEventStore, WrongExpectedVersion

_SECRET = b"in-memory-imports"


class InMemoryBulkFiles:
    def __init__(
        self, store: InMemoryEventStore | None = None, files: InMemoryWorkerFiles | None = None
    ) -> None:
        self.store = store or InMemoryEventStore()
        self.files = files or InMemoryWorkerFiles()
        self.streams = EventStoreStreams(self.store, self.files)
        """The worker files' streams, for `WorkerFiles` over the same files."""
        self.saves = 0
        """How many batches were saved (a test can see the import batched)."""

    def file_id(self, citizen_id: str, registered_on: date) -> UUID:
        return import_file_id(citizen_key(_SECRET, citizen_id), registered_on)

    async def existing(self, file_ids: Sequence[UUID]) -> dict[UUID, ImportedFile]:
        found: dict[UUID, ImportedFile] = {}
        for file_id in file_ids:
            if recorded := await self.store.read_stream(file_id):
                state = self.files.files.get(file_id)
                commune = state.commune_code if state else None
                found[file_id] = ImportedFile(recorded[0].metadata.correlation_id, commune)
        return found

    async def open_file_holders(self, citizen_ids: Sequence[str]) -> dict[str, str | None]:
        holders = self._open_citizens()
        return {c: holders[c] for c in citizen_ids if c in holders}

    async def save_new(self, changes: Sequence[Change[WorkerFile]]) -> None:
        if not changes:
            return
        opened = self._open_citizens()
        for change in changes:
            if change.stream_id in self.files.files:
                raise WrongExpectedVersion(change.stream_id, 0, change.after.version)
            if change.after.is_open:
                if change.after.person.citizen_id in opened:
                    raise OpenFileExists()
                opened[change.after.person.citizen_id] = change.after.commune_code
        for change in changes:  # every check passed: write them all
            await self.streams.save(change)
        self.saves += 1

    def _open_citizens(self) -> dict[str, str]:
        """Citizen → the commune of the citizen's open file."""
        return {s.person.citizen_id: s.commune_code for s in self.files.files.values() if s.is_open}
