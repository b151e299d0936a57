"""An uploaded table read in a thread while the import uses its rows: the rows come to the
event loop in batches as they are read, so preparing them (worker processes) overlaps reading
the file (an XLSX workbook's reading costs about 18 µs a row of the CPU, CSV's 3 to 4).

The file may still turn out unreadable after its first batches (invalid UTF-8, a row too
many, a broken workbook part): `batches()` then raises UnreadableFile. So an import takes the
batches to prepare them, and saves nothing before `batches()` has ended, when `table` (every
row) is known: a file is imported whole or refused whole, as when it was read first.

    async with streamed_table(partial(stream_table, file, template), batch_size) as reading:
        reading.head                      # headings, unrecognised columns: no rows
        async for rows in reading.batches(): ...
        reading.table                     # every row, once batches() has ended
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from typing import Protocol

from lmis_shared.imports.reading import Row, Table


class RowSource(Protocol):
    """The rows under the heading row (`reading.TableRows`), read as they are iterated."""

    example_skipped: bool

    def __iter__(self) -> Iterator[Row]: ...


Opener = Callable[[], AbstractContextManager[tuple[Table, RowSource]]]
"""Opens the file's table in the reading thread (`partial(stream_table, file, template)`)."""


@dataclass(frozen=True)
class _Ended:
    example_skipped: bool


@dataclass(frozen=True)
class _Failed:
    error: BaseException


_Item = Table | list[Row] | _Ended | _Failed


class StreamedTable:
    """A table's head at once, its rows in batches as the reading thread reads them."""

    def __init__(self, head: Table, queue: asyncio.Queue[_Item] | None = None) -> None:
        self.head = head
        self._queue = queue
        self._rows: list[Row] = []
        self._table: Table | None = None if queue is not None else head

    @classmethod
    def of(cls, table: Table, batch_size: int) -> StreamedTable:
        """A table read already, handed out in batches of `batch_size` rows."""
        queue: asyncio.Queue[_Item] = asyncio.Queue()
        for start in range(0, len(table.rows), batch_size):
            queue.put_nowait(table.rows[start : start + batch_size])
        queue.put_nowait(_Ended(table.example_skipped))
        return cls(replace(table, rows=[]), queue)

    async def batches(self) -> AsyncIterator[list[Row]]:
        """The rows as they are read, once; UnreadableFile if the file turns out unreadable."""
        if self._queue is None:
            raise RuntimeError("the table's rows were taken already")
        queue, self._queue = self._queue, None
        while True:
            item = await queue.get()
            if isinstance(item, _Failed):
                raise item.error
            if isinstance(item, _Ended):
                self._table = replace(
                    self.head, rows=self._rows, example_skipped=item.example_skipped
                )
                return
            if isinstance(item, list):
                self._rows += item
                yield item

    @property
    def table(self) -> Table:
        """Every row of the file: known once `batches()` has ended."""
        if self._table is None:
            raise RuntimeError("the table is not read to its end yet")
        return self._table


@asynccontextmanager
async def streamed_table(open_table: Opener, batch_size: int) -> AsyncIterator[StreamedTable]:
    """The table `open_table` opens, read in a thread from here on; raises UnreadableFile if
    its head cannot be read. On leaving, the thread stops at its next batch and is waited for
    (the file is its owner's to close after)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[_Item] = asyncio.Queue()
    stop = threading.Event()

    def put(item: _Item) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, item)

    def read() -> None:
        try:
            with open_table() as (head, rows):
                put(head)
                batch: list[Row] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) == batch_size:
                        if stop.is_set():
                            return
                        put(batch)
                        batch = []
                if batch:
                    put(batch)
                put(_Ended(rows.example_skipped))
        except BaseException as error:  # raised in the event loop instead
            put(_Failed(error))

    reading = asyncio.ensure_future(asyncio.to_thread(read))
    try:
        head = await queue.get()
        if isinstance(head, _Failed):
            raise head.error
        if not isinstance(head, Table):
            raise RuntimeError("the reading thread sent rows before the table's head")
        yield StreamedTable(head, queue)
    finally:
        stop.set()
        await asyncio.shield(reading)
