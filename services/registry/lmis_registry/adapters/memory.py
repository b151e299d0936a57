"""The in-memory worker files: the fake of `WorkerRepository` for unit tests and demos.

Same contract as `PostgresWorkerFiles`: a change is stored whole or not at all, and a second
open file of a citizen is refused. Each `save` runs without yielding to other tasks between
its checks and its writes, as a transaction would.
"""

from __future__ import annotations

from uuid import UUID

from lmis_registry.adapters.open_files import claim_of
from lmis_registry.application.worker_ports import FileChange
from lmis_registry.domain.workers import OpenFileExists, WorkerFile
from lmis_shared.events import RecordedEvent
from lmis_shared.eventstore import InMemoryEventStore, StoredResponse

_SECRET = b"in-memory"


class InMemoryWorkerFiles:
    def __init__(self, store: InMemoryEventStore | None = None) -> None:
        self.store = store or InMemoryEventStore()
        self.files: dict[UUID, WorkerFile] = {}
        """Each file's latest state, as the read model would hold it."""
        self._claims: dict[str, UUID] = {}

    async def events(self, worker_id: UUID) -> list[RecordedEvent]:
        return await self.store.read_stream(worker_id)

    async def find_response(self, key: str) -> StoredResponse | None:
        return await self.store.find_response(key)

    async def save(self, change: FileChange) -> None:
        held, wanted = claim_of(_SECRET, change.before), claim_of(_SECRET, change.after)
        if wanted is not None and wanted != held and wanted in self._claims:
            raise OpenFileExists()
        await self.store.append(  # never suspends: no other task runs in between
            change.worker_id,
            "worker",
            change.expected_version,
            change.events,
            change.context,
            idempotency=change.idempotency,
        )
        if held is not None:
            del self._claims[held]
        if wanted is not None:
            self._claims[wanted] = change.worker_id
        self.files[change.worker_id] = change.after
