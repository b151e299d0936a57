"""The records an agent has decoded, on their way to its drain, taken in batches.

A batch costs a transaction whatever its size (the lock, the versions and facts read, the
writes, the commit: seven round trips, and PostgreSQL's work per statement), so on a busy
stream a batch should be as large as `batch_size`. Taking only what was queued when the
drain came back left the batches at what the agent had decoded during the previous
transaction: about 160 records of 500 in issue 14's bench, and the per-batch costs paid
three times as often. Polling for more (`asyncio.sleep(0)` until the queue stops growing)
made the batches full but cost an event-loop turn, with its `select`, per record or two.

So `take` waits, only while the stream is busy, for the queue to fill or for `linger`
seconds, woken by the put that fills it. Busy: the batch before was large (a quarter of
`batch_size` or more). A quiet stream, such as a single command's event, is taken at once
as before: the wait never applies to it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Generic, TypeVar

T = TypeVar("T")

LINGER = 0.05
"""Longest a busy stream's batch waits to fill (seconds): the end of a burst waits this long."""


class BatchQueue(Generic[T]):
    """A bounded queue (`batch_size`) whose `take` hands out batches (see the module)."""

    def __init__(self, batch_size: int, linger: float = LINGER) -> None:
        self._queue: asyncio.Queue[T] = asyncio.Queue(maxsize=batch_size)
        self._size = batch_size
        self._large = max(2, batch_size // 4)
        self._linger = linger
        self._filled = asyncio.Event()
        self._last = 0

    def full(self) -> bool:
        return self._queue.full()

    def put_nowait(self, item: T) -> None:
        self._queue.put_nowait(item)
        if self._queue.qsize() >= self._size:
            self._filled.set()

    async def put(self, item: T) -> None:
        await self._queue.put(item)
        if self._queue.qsize() >= self._size:
            self._filled.set()

    async def take(self) -> list[T]:
        """The next batch: at least one item, at most `batch_size`."""
        queued = self._queue.qsize()
        if self._last >= self._large and queued < self._size:
            self._filled.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._filled.wait(), self._linger)
        batch = [await self._queue.get()]
        while len(batch) < self._size and not self._queue.empty():
            batch.append(self._queue.get_nowait())
        self._last = len(batch)
        return batch
