"""An import's batch saves, two at a time.

One save at a time leaves a core idle: while PostgreSQL writes a batch, the service's process
waits for it, and while the service's process looks up and hands over the next batch,
PostgreSQL waits. Two saves in flight keep both busy (an XLSX import of 100,000 rows: 5.2-5.3 s
against 5.5-5.7 s with one, alternating runs on two cores).

Two batches in flight never share a citizen: a batch with a citizen of a batch in flight waits
until that one (and those before it) is saved. `FirstInFile` already keeps two rows of one
import from opening a file for one citizen, so the saves could not undo each other anyway; the
wait also keeps a citizen's files stored in the file's order, so what an import stores is what
saving its batches one by one in the file's order would store. Each batch is still its own
transaction: one that rolls back is looked at again and saved alone (`WorkerImports._save`),
as before. A save that fails stops the import, and the save in flight beside it is cancelled
(its transaction rolls back, or has committed whole: a row is all its commands or none).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from lmis_registry.domain import workers

IN_FLIGHT = 2
"""Batches saved at once. Three gave nothing more on two cores: the import worker, the
service's process and PostgreSQL already share them."""

Saving = asyncio.Task[list[workers.WorkerFile]]


class Saves:
    """The saves of one import's batches, started in the file's order (`start`), at most
    `IN_FLIGHT` at once; `saved` holds the files they saved, in the order started."""

    def __init__(self, in_flight: int = IN_FLIGHT) -> None:
        self._most = in_flight
        self._flying: deque[tuple[Saving, frozenset[str]]] = deque()
        self.saved: list[workers.WorkerFile] = []

    async def start(
        self,
        citizens: Iterable[str],
        save: Callable[[], Coroutine[Any, Any, list[workers.WorkerFile]]],
    ) -> None:
        """Save a batch (`save()`) whose rows are of `citizens`, once there is room for it
        and no batch in flight has one of its citizens."""
        theirs = frozenset(citizens)
        while self._flying and (
            len(self._flying) >= self._most
            or any(not theirs.isdisjoint(others) for _, others in self._flying)
        ):
            await self._oldest()
        self._flying.append((asyncio.create_task(save()), theirs))

    async def finish(self) -> list[workers.WorkerFile]:
        """Wait for every save started; the files saved."""
        while self._flying:
            await self._oldest()
        return self.saved

    async def stop(self) -> None:
        """After a failure: the saves in flight are cancelled and waited for (their
        failures dropped: the first failure is the one the import reports)."""
        flying = [task for task, _ in self._flying]
        self._flying.clear()
        for task in flying:
            task.cancel()
        await asyncio.gather(*flying, return_exceptions=True)

    async def _oldest(self) -> None:
        task, _ = self._flying[0]
        try:
            self.saved += await task
        finally:
            self._flying.popleft()
