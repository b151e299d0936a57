"""After a bulk import: ask the population register about the files it opened.

A separate pass once every row is saved, so the import's own path (plan, copy, commit) is
not slowed by the register: the files are asked about in batches (`batch_size` files, at most
`AT_ONCE` questions at a time), and each batch's answers are recorded as
`worker.identity_checked` events on the files, with their list rows, in one transaction
(`IdentityRecords.save_all`). The register never fails the import: a batch the register
answered only `unavailable` (down, slow, not connected) ends the pass, recording nothing for
it, so those files and the rest stay `unverified` and are listed for follow-up
(`GET /v1/workers?identity=unverified`, `check-identity` one by one later). A file changed by
someone else since the import keeps its own course: its answer is not recorded.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from lmis_registry.application.population import PopulationRegister, identity_of
from lmis_registry.application.workers import STREAM_TYPE
from lmis_registry.domain import workers
from lmis_shared.clock import Clock
from lmis_shared.commands import Change
from lmis_shared.contracts.registry_follow_up import IdentityCheckOutcome
from lmis_shared.events import NewEvent
from lmis_shared.eventstore import AppendContext, WrongExpectedVersion

log = logging.getLogger("lmis.registry.imports")

UNAVAILABLE = IdentityCheckOutcome.unavailable


class IdentityRecords(Protocol):
    """Saves several files' changes in one transaction (`PostgresStreams.save_all`)."""

    async def save_all(self, changes: Sequence[Change[workers.WorkerFile]]) -> None: ...

    async def save(self, change: Change[workers.WorkerFile]) -> None: ...


AT_ONCE = 8
"""Questions to the register in flight at a time (the national exchange's fair share)."""


@dataclass(frozen=True)
class ImportedIdentities:
    register: PopulationRegister
    records: IdentityRecords
    clock: Clock
    batch_size: int = 100

    async def check(self, files: Sequence[workers.WorkerFile], context: AppendContext) -> int:
        """Ask about `files` (as the import saved them) and record the answers: how many."""
        recorded = 0
        for start in range(0, len(files), self.batch_size):
            batch = files[start : start + self.batch_size]
            answers = await self._ask(batch)
            if all(a.outcome == UNAVAILABLE for a in answers):
                break  # the register is down: what is left stays unverified
            changes = [
                self._change(f, a, context)
                for f, a in zip(batch, answers, strict=True)
                if a.outcome != UNAVAILABLE
            ]
            recorded += await self._save(changes)
        left = len(files) - recorded
        log.info("imported files checked", extra={"recorded": recorded, "unverified": left})
        return recorded

    async def _ask(self, batch: Sequence[workers.WorkerFile]) -> list[workers.IdentityAnswer]:
        limit = asyncio.Semaphore(AT_ONCE)

        async def ask(file: workers.WorkerFile) -> workers.IdentityAnswer:
            async with limit:
                return await self.register.verify(identity_of(file))

        return list(await asyncio.gather(*(ask(f) for f in batch)))

    def _change(
        self, file: workers.WorkerFile, answer: workers.IdentityAnswer, context: AppendContext
    ) -> Change[workers.WorkerFile]:
        event = answer.as_event(self.clock.now())
        after = workers.AGGREGATE.fold_more(file, file.id, [event])
        return Change(
            stream_id=file.id,
            stream_type=STREAM_TYPE,
            expected_version=file.version,
            events=[NewEvent(event_id=uuid.uuid4(), payload=event)],
            context=context,
            idempotency=None,
            before=file,
            after=after,
        )

    async def _save(self, changes: list[Change[workers.WorkerFile]]) -> int:
        """All in one transaction; if a file moved on meanwhile, the others one by one."""
        try:
            await self.records.save_all(changes)
            return len(changes)
        except WrongExpectedVersion:
            saved = 0
            for change in changes:
                try:
                    await self.records.save(change)
                    saved += 1
                except WrongExpectedVersion:
                    continue  # changed since the import: left to its own follow-up
            return saved
