"""The lean record loop's delivery (`processing/draining.py`): a delivery that does not wait
finishes at once; one that waits finishes in a task, or is given up when the flow is
suspended (a rebalance), as faust's own loop does."""

from __future__ import annotations

import asyncio

import pytest
from mode import Service

from lmis_shared.processing.draining import LeanDrain


class Consumer(LeanDrain, Service):
    """Just what `_deliver` uses of faust's consumer: `wait_first` (mode's) and the event
    that a rebalance sets."""

    def __init__(self) -> None:
        super().__init__()
        self.suspend_flow = asyncio.Event()


async def deliver_into(queue: asyncio.Queue[int], item: int, delivered: list[int]) -> None:
    await queue.put(item)
    delivered.append(item)


async def test_a_delivery_with_room_finishes_without_a_task() -> None:
    consumer = Consumer()
    queue: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
    delivered: list[int] = []
    tasks_before = len(asyncio.all_tasks())
    delivery = asyncio.ensure_future(consumer._deliver(deliver_into(queue, 1, delivered)))
    await delivery
    assert delivered == [1]
    assert len(asyncio.all_tasks()) == tasks_before


async def waiting_delivery(
    consumer: Consumer, delivered: list[int]
) -> tuple[asyncio.Queue[int], asyncio.Future[None]]:
    """A delivery of 1 into a full queue (holding 0), started and waiting."""
    queue: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
    queue.put_nowait(0)
    delivery = asyncio.ensure_future(consumer._deliver(deliver_into(queue, 1, delivered)))
    await asyncio.sleep(0.01)
    assert not delivery.done()
    return queue, delivery


async def test_a_delivery_that_waits_finishes_once_there_is_room() -> None:
    consumer = Consumer()
    delivered: list[int] = []
    queue, delivery = await waiting_delivery(consumer, delivered)
    assert queue.get_nowait() == 0
    await asyncio.wait_for(delivery, 1)
    assert delivered == [1]
    assert queue.get_nowait() == 1


async def test_a_waiting_delivery_is_given_up_when_the_flow_is_suspended() -> None:
    consumer = Consumer()
    delivered: list[int] = []
    queue, delivery = await waiting_delivery(consumer, delivered)
    consumer.suspend_flow.set()
    await asyncio.wait_for(delivery, 1)
    queue.get_nowait()
    await asyncio.sleep(0.01)
    assert delivered == []
    assert queue.empty()


async def test_a_delivery_that_fails_raises_its_error() -> None:
    consumer = Consumer()

    async def failing() -> None:
        await asyncio.sleep(0)
        raise LookupError("no callback for this partition")

    with pytest.raises(LookupError):
        await consumer._deliver(failing())
