"""The drain's batches (`processing/batching.py`): a quiet stream's record is taken at once,
alone; a busy stream's batch waits for the agent to fill it; the wait ends when no more
records come."""

from __future__ import annotations

import asyncio

from lmis_shared.processing.batching import BatchQueue


async def feed(queue: BatchQueue[int], items: range) -> None:
    """Put `items` one per event-loop turn, as an agent decoding records does."""
    for item in items:
        await asyncio.sleep(0)
        if queue.full():
            await queue.put(item)
        else:
            queue.put_nowait(item)


async def test_a_quiet_streams_record_is_taken_at_once_and_alone() -> None:
    queue: BatchQueue[int] = BatchQueue(8, linger=60.0)
    queue.put_nowait(1)
    feeding = asyncio.create_task(feed(queue, range(2, 9)))

    # no batch before: nothing to wait for, even with records on their way
    assert await queue.take() == [1]
    await feeding


async def test_a_busy_streams_batch_waits_to_be_full() -> None:
    queue: BatchQueue[int] = BatchQueue(8, linger=60.0)
    for item in range(8):
        queue.put_nowait(item)
    assert await queue.take() == list(range(8))  # a full batch: the stream is busy
    queue.put_nowait(8)  # came in while it was applied

    feeding = asyncio.create_task(feed(queue, range(9, 24)))
    batch = await queue.take()

    assert batch == list(range(8, 16))  # filled by the feed, not just the one queued
    assert await queue.take() == list(range(16, 24))
    await asyncio.wait_for(feeding, 60.0)


async def test_a_busy_streams_wait_ends_when_no_more_records_come() -> None:
    queue: BatchQueue[int] = BatchQueue(8, linger=0.001)
    for item in range(8):
        queue.put_nowait(item)
    await queue.take()
    queue.put_nowait(8)
    queue.put_nowait(9)

    assert await asyncio.wait_for(queue.take(), 60.0) == [8, 9]


async def test_a_small_batch_does_not_make_the_next_one_wait() -> None:
    queue: BatchQueue[int] = BatchQueue(8, linger=60.0)
    queue.put_nowait(1)
    assert await queue.take() == [1]
    queue.put_nowait(2)  # came in while the lone record was applied

    assert await asyncio.wait_for(queue.take(), 60.0) == [2]
