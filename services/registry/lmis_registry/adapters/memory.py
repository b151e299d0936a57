"""The in-memory worker read model: the fake of `WorkerReadModel` for unit tests and demos,
used as `EventStoreStreams(InMemoryEventStore(), InMemoryWorkerFiles())`.

Same contract as PostgreSQL: a second open file of a citizen is refused and nothing is
stored. The claim is checked before the append (`guard`) and taken after it (`apply`); the
in-memory store's append never yields to other tasks, so nothing runs in between.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from lmis_registry.adapters.open_files import claim_of
from lmis_registry.domain.workers import OpenFileExists, WorkerFile
from lmis_shared.commands import Change

_SECRET = b"in-memory"


class InMemoryWorkerFiles:
    def __init__(self) -> None:
        self.files: dict[UUID, WorkerFile] = {}
        """Each file's latest state, as the read model would hold it."""
        self._claims: dict[str, UUID] = {}

    async def guard(self, connection: Any, change: Change[WorkerFile]) -> None:
        held, wanted = claim_of(_SECRET, change.before), claim_of(_SECRET, change.after)
        if wanted is not None and wanted != held and wanted in self._claims:
            raise OpenFileExists(self.files[self._claims[wanted]].commune_code)

    async def apply(self, connection: Any, change: Change[WorkerFile]) -> None:
        held, wanted = claim_of(_SECRET, change.before), claim_of(_SECRET, change.after)
        if held is not None:
            del self._claims[held]
        if wanted is not None:
            self._claims[wanted] = change.stream_id
        self.files[change.stream_id] = change.after
