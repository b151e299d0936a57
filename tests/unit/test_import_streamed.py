"""An import with worker processes hands its batches to them as the file is read (the reading
goes on meanwhile), and saves nothing before the whole file is read: a file that turns out
unreadable after its first batches imports nothing."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from uuid import UUID

import pytest

from lmis_registry.adapters.bulk_memory import InMemoryBulkFiles
from lmis_registry.application.import_prepared import Prepared, PreparingJob
from lmis_registry.application.imports import WorkerImports
from lmis_shared.auth import Authorizer
from lmis_shared.clock import FixedClock
from lmis_shared.imports import Row, Table, UnreadableFile
from lmis_shared.imports.streamed import StreamedTable, streamed_table
from tests.unit.test_import_looks import BATCH, InProcess, importer, people
from tests.unit.test_import_workers import NOW, ctx, table_of

HAND_ON_WAIT_S = 10.0
"""How long the reader waits, after its first batch, for the pool to be handed that batch: a
guard against hanging when it never is (an import reading the whole file first), not a time
the test asserts."""


class Watching(InProcess):
    """The in-process pool, telling the reader when it is handed a batch."""

    def __init__(self, bulk: InMemoryBulkFiles) -> None:
        super().__init__(bulk)
        self.handed = threading.Event()
        self.batches = 0

    async def prepare(
        self, job: PreparingJob, rows: Sequence[Row], stored: Collection[UUID]
    ) -> list[Prepared]:
        self.batches += 1
        self.handed.set()
        return await super().prepare(job, rows, stored)


class Reader:
    """A file's rows, read in the reading thread: after the first batch, it waits for the
    pool to be handed that batch (noting whether it was), then reads the rest; or, with
    `fail_after`, turns out unreadable after that many rows."""

    def __init__(self, table: Table, pool: Watching, fail_after: int | None = None) -> None:
        self.table = table
        self.pool = pool
        self.fail_after = fail_after
        self.handed_while_reading: bool | None = None
        self.example_skipped = False

    @contextmanager
    def open(self) -> Iterator[tuple[Table, Reader]]:
        yield replace(self.table, rows=[]), self

    def __iter__(self) -> Iterator[Row]:
        for index, row in enumerate(self.table.rows):
            if index == BATCH + 1:  # the first batch is with the event loop, the second read
                self.handed_while_reading = self.pool.handed.wait(HAND_ON_WAIT_S)
            if index == self.fail_after:
                raise UnreadableFile("the file is not a readable XLSX workbook (BadZipFile)")
            yield row


async def test_the_pool_is_handed_batches_while_the_file_is_still_being_read() -> None:
    bulk = InMemoryBulkFiles()
    pool = Watching(bulk)
    reader = Reader(table_of(*people(8)), pool)
    async with streamed_table(reader.open, BATCH) as reading:
        summary = await importer(bulk, pool).run_streamed(reading, ctx())
    assert reader.handed_while_reading is True
    assert (summary.rows, summary.imported, summary.errors) == (8, 8, [])
    assert pool.batches == 4


@pytest.mark.parametrize("processes", [True, False], ids=["worker processes", "in process"])
async def test_a_file_unreadable_after_its_first_batches_imports_nothing(processes: bool) -> None:
    bulk = InMemoryBulkFiles()
    pool = Watching(bulk)
    reader = Reader(table_of(*people(8)), pool, fail_after=3 * BATCH)
    if not processes:  # no pool: the reader need not wait for it
        pool.handed.set()
    imports = (
        importer(bulk, pool)
        if processes
        else WorkerImports(bulk, FixedClock(NOW), Authorizer(), batch_size=BATCH)
    )
    with pytest.raises(UnreadableFile):
        async with streamed_table(reader.open, BATCH) as reading:
            await imports.run_streamed(reading, ctx())
    if processes:  # the first batch at least was prepared (the reader waited for it)...
        assert pool.batches >= 1
    # ...but nothing is saved
    assert bulk.saves == 0
    assert bulk.files.files == {}


async def test_a_table_read_already_is_handed_out_in_batches_then_whole() -> None:
    table = table_of(*people(5))
    reading = StreamedTable.of(table, BATCH)
    assert reading.head.rows == []
    assert reading.head.headings == table.headings
    assert [len(rows) async for rows in reading.batches()] == [2, 2, 1]
    assert reading.table == table
