"""`Deadlines.apply` on a batch: events of different subjects are stored together, in as many
statements as one event takes (issue 14: notify kept up with a command every 20-50 ms only
by batching, and each event of a batch cost a dozen statements), with the same outcome as the
events applied one at a time, each alert event carrying its own subject's cause."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from typing import Any

from lmis_shared.contracts import registry as r
from lmis_shared.processing import Decoded
from tests.unit.alert_examples import Stream, worker_registered
from tests.unit.test_alert_deadlines import MemoryBook, World, abroad


def fled(on: date) -> r.WorkerAbsconded:
    return r.WorkerAbsconded(absconded_on=on, source=r.ReportSource.employer)


def back(on: date) -> r.WorkerReturned:
    return r.WorkerReturned(return_date=on, reason=r.ReturnReason.deported)


def histories(workers: int, seed: int) -> list[Decoded]:
    """Several workers' lives interleaved: abroad, absconded, some back again."""
    rnd = random.Random(seed)
    lives = []
    for _ in range(workers):
        worker = Stream("worker")
        life = [*abroad(worker), worker.event(fled(date(2026, 4, rnd.randint(1, 20))))]
        if rnd.random() < 0.5:
            life.append(worker.event(back(date(2026, 8, 1))))
        lives.append(life)
    events = []
    while any(lives):
        life = rnd.choice([life for life in lives if life])
        events.append(life.pop(0))
    return events


def outcome(book: MemoryBook) -> tuple[Any, ...]:
    """Each alert's events in its own order (alerts of different subjects may interleave
    differently), the alerts, the deadlines and the subjects."""
    per_alert = sorted(book.events, key=lambda e: (e[0], e[1]))
    return (per_alert, book.alerts_by_id, book.deadlines, book.known)


async def test_a_batch_ends_as_its_events_applied_one_at_a_time() -> None:
    events = histories(workers=6, seed=14)
    assert len({e.event.metadata.stream_id for e in events[:6]}) < 6  # subjects repeat
    together, one_by_one = World(), World()

    await together.apply(*events)
    for event in events:
        await one_by_one.apply(event)

    assert together.book.events  # alerts were raised (and resolved)
    assert outcome(together.book) == outcome(one_by_one.book)


class CountingBook(MemoryBook):
    """Counts the calls made to the book: each is one statement on PostgreSQL."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()

    def __getattribute__(self, name: str) -> Any:
        attribute = super().__getattribute__(name)
        if not name.startswith("_") and callable(attribute) and name != "facts":
            super().__getattribute__("calls")[name] += 1
        return attribute


async def calls_for(subjects: int) -> Counter[str]:
    world = World()
    world.book = CountingBook()
    workers = [Stream("worker") for _ in range(subjects)]
    for worker in workers:
        await world.apply(worker.event(worker_registered()))
    world.book.calls.clear()
    await world.apply(*(w.event(fled(date(2026, 4, 2))) for w in workers))
    assert isinstance(world.book, CountingBook)
    return world.book.calls


async def test_a_batch_of_many_subjects_takes_the_statements_of_one_event() -> None:
    one, many = await calls_for(1), await calls_for(10)

    assert many["save_alerts"] == 1  # the appends of every cause at once
    assert many == one
