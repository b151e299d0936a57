"""The lean record loop's delivery (`processing/draining.py`): a delivery that does not wait
finishes at once; one that waits finishes in a task, or is given up when the flow is
suspended (a rebalance), as faust's own loop does. And a fetcher whose partitions are all
paused (their streams' buffers full) fetches as soon as one is resumed, without faust's
second of sleep."""

from __future__ import annotations

import asyncio

import pytest
from mode import Service

from lmis_shared.processing import draining
from lmis_shared.processing.draining import LeanDrain


class Consumer(LeanDrain, Service):
    """Just what `_deliver` uses of faust's consumer: `wait_first` (mode's) and the event
    that a rebalance sets."""

    def __init__(self) -> None:
        super().__init__()
        self.suspend_flow = asyncio.Event()


class PausingConsumer(Service):
    """faust's `Consumer._wait_next_records` in short: with no active partition it sleeps
    (here: notes that it would have) and fetches nothing; `on_buffer_drop` resumes one."""

    def __init__(self, paused: set[str]) -> None:
        super().__init__()
        self.flow_active = True
        self.app = type("App", (), {"client_only": False})()
        self.active: set[str] = set()
        self._buffered_partitions = paused
        self.slept: list[float] = []
        self.timeouts: list[float] = []

    def _get_active_partitions(self) -> set[str]:
        return self.active

    def on_buffer_drop(self, tp: str) -> None:
        if tp in self._buffered_partitions:
            self._buffered_partitions.discard(tp)
            self.active.add(tp)

    async def _wait_next_records(self, timeout: float) -> dict[str, list[int]]:  # noqa: ASYNC109
        self.timeouts.append(timeout)
        if not self.active:
            self.slept.append(1.0)
            return {}
        return {tp: [1, 2] for tp in self.active}


class LeanPausingConsumer(LeanDrain, PausingConsumer):
    pass


async def test_a_fetcher_with_every_partition_paused_fetches_once_one_resumes() -> None:
    consumer = LeanPausingConsumer({"registry-0", "registry-1"})
    fetch = asyncio.ensure_future(consumer._wait_next_records(1.0))
    await asyncio.sleep(0.01)
    assert not fetch.done()  # waiting for a partition
    consumer.on_buffer_drop("registry-1")
    assert await fetch == {"registry-1": [1, 2]}
    assert consumer.slept == []  # faust's sleep never reached
    # registry-0 is still paused: the fetch looks again soon at which partitions resumed
    assert consumer.timeouts == [draining._RESUME_CHECK]


async def test_a_fetcher_whose_partitions_stay_paused_goes_on_as_faust_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(draining, "_PAUSED_WAIT", 0.01)
    consumer = LeanPausingConsumer({"registry-0"})
    assert await consumer._wait_next_records(1.0) == {}
    assert consumer.slept == [1.0]


async def test_a_fetcher_with_no_partition_assigned_sleeps_as_faust_does() -> None:
    consumer = LeanPausingConsumer(set())
    assert await consumer._wait_next_records(1.0) == {}
    assert consumer.slept == [1.0]
    assert consumer.timeouts == [1.0]


async def test_a_fetcher_with_partitions_active_fetches_at_once() -> None:
    consumer = LeanPausingConsumer(set())
    consumer.active.add("registry-0")
    assert await consumer._wait_next_records(1.0) == {"registry-0": [1, 2]}
    assert consumer.slept == []
    assert consumer.timeouts == [1.0]  # none paused: faust's own wait for new records


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
