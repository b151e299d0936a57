"""An Idempotency-Key belongs to its caller and its command, and expires (the clock decides,
no test waits); an object the caller may not see answers as a missing one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from lmis_shared.auth import Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.commands import (
    Aggregate,
    Command,
    CommandContext,
    CommandPath,
    EventStoreStreams,
    VersionedState,
)
from lmis_shared.contracts.notify import AlertAcknowledged
from lmis_shared.errors import Forbidden, NotFound, Unseen
from lmis_shared.events import EventPayload
from lmis_shared.eventstore import InMemoryEventStore

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Notes(VersionedState):
    id: UUID
    version: int
    count: int


def _evolve(state: Notes | None, event: EventPayload, stream_id: UUID) -> Notes:
    return Notes(stream_id, 0, (state.count if state else 0) + 1)


# any catalogued event serves: the aggregate only counts them
AGGREGATE = Aggregate("alert", _evolve, lambda stream_id: NotFound("note", str(stream_id)))


def caller(subject: str) -> Principal:
    return Principal(subject, Role.PROVINCE_OFFICER, "12")


def ctx(subject: str, key: str | None = None) -> CommandContext:
    return CommandContext(caller(subject), uuid.uuid4(), idempotency_key=key)


def add(stream_id: UUID, name: str = "add", *, creates: bool = False) -> Command[Notes]:
    return Command(
        name,
        stream_id,
        {"text": "x"},
        decide=lambda state: [AlertAcknowledged(acknowledged_by="x", acknowledged_at=NOW)],
        respond=lambda state: {"id": str(state.id), "version": state.version},
        creates=creates,
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def path(clock: FixedClock) -> CommandPath[Notes]:
    return CommandPath(AGGREGATE, EventStoreStreams(InMemoryEventStore()), clock, "/test")


async def test_one_callers_key_neither_replays_nor_blocks_another_callers(
    path: CommandPath[Notes],
) -> None:
    stream = uuid.uuid4()
    await path.run(add(stream, creates=True), ctx("officer-1"))
    first = await path.run(add(stream), ctx("officer-1", "k"))
    other = await path.run(add(stream), ctx("officer-2", "k"))
    again = await path.run(add(stream), ctx("officer-1", "k"))
    assert (first.replayed, other.replayed, again.replayed) == (False, False, True)
    assert (first.version, other.version, again.version) == (2, 3, 2)


async def test_a_key_is_bound_to_its_command(path: CommandPath[Notes]) -> None:
    stream = uuid.uuid4()
    await path.run(add(stream, creates=True), ctx("officer-1"))
    first = await path.run(add(stream, "add"), ctx("officer-1", "k"))
    other = await path.run(add(stream, "append"), ctx("officer-1", "k"))
    assert (first.replayed, other.replayed, other.version) == (False, False, 3)


async def test_a_key_expires_after_a_day_and_then_applies_again(
    path: CommandPath[Notes], clock: FixedClock
) -> None:
    stream = uuid.uuid4()
    await path.run(add(stream, creates=True), ctx("officer-1"))
    await path.run(add(stream), ctx("officer-1", "k"))
    clock.advance(timedelta(hours=23, minutes=59))
    assert (await path.run(add(stream), ctx("officer-1", "k"))).replayed
    clock.advance(timedelta(minutes=2))
    later = await path.run(add(stream), ctx("officer-1", "k"))
    assert (later.replayed, later.version) == (False, 3)


async def test_an_object_the_caller_may_not_see_answers_as_a_missing_one(
    path: CommandPath[Notes],
) -> None:
    stream = uuid.uuid4()
    await path.run(add(stream, creates=True), ctx("officer-1"))

    def unseen(state: Notes) -> None:
        raise Unseen("outside the caller's scope")

    def forbidden(state: Notes) -> None:
        raise Forbidden("may read, may not write")

    with pytest.raises(NotFound) as hidden:
        await path.load(stream, unseen)
    with pytest.raises(NotFound) as missing:
        await path.load(uuid.uuid4())
    assert str(hidden.value) == str(missing.value) == "no such note"
    with pytest.raises(NotFound):
        await path.run(Command("add", stream, {}, lambda s: [], dict, unseen), ctx("o"))
    with pytest.raises(Forbidden):  # a caller who sees the object is told it is refused
        await path.run(Command("add", stream, {}, lambda s: [], dict, forbidden), ctx("o"))
