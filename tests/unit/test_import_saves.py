"""An import saves two batches at once, never two that share a citizen, and reports what it
saved in the file's order; a failed save stops the import."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import pytest

from lmis_registry.adapters.bulk_memory import InMemoryBulkFiles
from lmis_registry.application.import_saves import Saves
from lmis_registry.domain import workers as w
from lmis_shared.commands import Change
from tests.unit.test_import_workers import GIANG, ctx, importer, table_of


class Gated:
    """Saves that run until their gate opens, recording which were running together."""

    def __init__(self) -> None:
        self.gates: dict[str, asyncio.Event] = {}
        self.running: set[str] = set()
        self.started: list[str] = []

    def save(
        self, name: str, fail: bool = False
    ) -> Callable[[], Coroutine[Any, Any, list[w.WorkerFile]]]:
        async def saving() -> list[w.WorkerFile]:
            self.running.add(name)
            self.started.append(name)
            try:
                await self.gates.setdefault(name, asyncio.Event()).wait()
                if fail:
                    raise RuntimeError(f"{name} failed")
                return [name]  # type: ignore[list-item]  # a file stands for itself here
            finally:
                self.running.discard(name)

        return saving

    def open(self, name: str) -> None:
        self.gates.setdefault(name, asyncio.Event()).set()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def begin(
    saves: Saves, citizens: set[str], save: Callable[[], Coroutine[Any, Any, list[w.WorkerFile]]]
) -> asyncio.Task[None]:
    """`saves.start` as a task, let run as far as it goes (a test sees whether it waits)."""
    starting = asyncio.create_task(saves.start(citizens, save))
    await settle()
    return starting


async def test_two_batches_are_saved_at_once_and_a_third_waits_for_the_first() -> None:
    gated, saves = Gated(), Saves()
    first = await begin(saves, {"a"}, gated.save("first"))
    second = await begin(saves, {"b"}, gated.save("second"))
    assert first.done()
    assert second.done()
    assert gated.running == {"first", "second"}
    third = await begin(saves, {"c"}, gated.save("third"))
    assert not third.done()
    assert "third" not in gated.started
    gated.open("first")
    await settle()
    assert third.done()
    assert gated.running == {"second", "third"}
    gated.open("second"), gated.open("third")
    assert await saves.finish() == ["first", "second", "third"]


async def test_a_batch_sharing_a_citizen_with_one_in_flight_waits_for_it() -> None:
    gated, saves = Gated(), Saves()
    await begin(saves, {"a", "b"}, gated.save("first"))
    second = await begin(saves, {"c", "b"}, gated.save("second"))
    assert gated.started == ["first"]
    assert not second.done()
    gated.open("first")
    await settle()
    assert second.done()
    assert gated.running == {"second"}
    gated.open("second")
    assert await saves.finish() == ["first", "second"]


async def test_files_saved_are_reported_in_the_order_their_batches_started() -> None:
    gated, saves = Gated(), Saves()
    await begin(saves, {"a"}, gated.save("first"))
    await begin(saves, {"b"}, gated.save("second"))
    gated.open("second")
    await settle()
    gated.open("first")
    assert await saves.finish() == ["first", "second"]


async def test_a_failed_save_stops_the_import_and_the_save_beside_it_is_cancelled() -> None:
    gated, saves = Gated(), Saves()
    await begin(saves, {"a"}, gated.save("first", fail=True))
    await begin(saves, {"b"}, gated.save("second"))
    assert gated.running == {"first", "second"}
    gated.open("first")
    with pytest.raises(RuntimeError, match="first failed"):
        await saves.finish()
    stopping = asyncio.create_task(saves.stop())
    await settle()
    assert stopping.done()
    assert gated.running == set()


class Overlapping(InMemoryBulkFiles):
    """The in-memory files, each save but the last waiting for the next save to start (a few
    seconds at most: a guard, so an import that saves one batch at a time fails, not hangs);
    records how many saves were under way at once."""

    def __init__(self, batches: int) -> None:
        super().__init__()
        self.batches = batches
        self.started = 0
        self.under_way = 0
        self.most_at_once = 0
        self._a_save_started = asyncio.Condition()

    async def save_new(self, changes: Sequence[Change[w.WorkerFile]]) -> None:
        async with self._a_save_started:
            self.started += 1
            self._a_save_started.notify_all()
        self.under_way += 1
        self.most_at_once = max(self.most_at_once, self.under_way)
        try:
            if self.started < self.batches:
                await asyncio.wait_for(self._started_after(self.started), timeout=5)
            await super().save_new(changes)
        finally:
            self.under_way -= 1

    async def _started_after(self, mine: int) -> None:
        async with self._a_save_started:
            await self._a_save_started.wait_for(lambda: self.started > mine)


async def test_an_import_saves_two_batches_at_once_and_stores_every_row() -> None:
    people = [GIANG | {"Số CCCD": f"012096{n:06d}"} for n in range(9)]
    bulk = Overlapping(batches=5)
    summary = await importer(bulk, batch_size=2).run(table_of(*people), ctx())
    assert (summary.imported, summary.errors, bulk.saves) == (9, [], 5)
    assert bulk.most_at_once == 2
    assert len(bulk.files.files) == 9
