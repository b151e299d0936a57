"""The shared command path, on the in-memory event store with a tiny aggregate of its own."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Self
from uuid import UUID, uuid4

import pytest

from lmis_shared import events
from lmis_shared.auth import Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.commands import (
    Aggregate,
    Change,
    Command,
    CommandContext,
    CommandPath,
    EventStoreStreams,
    IdempotencyKeyReused,
)
from lmis_shared.errors import ConcurrencyConflict, Forbidden, NotFound, PreconditionFailed
from lmis_shared.events import EventPayload, event
from lmis_shared.eventstore import InMemoryEventStore

NOW = datetime(2026, 12, 4, 9, tzinfo=UTC)


class TallyOpened(EventPayload):
    unit_code: str


class TallyCounted(EventPayload):
    by: int


@dataclass(frozen=True)
class Tally:
    id: UUID
    version: int
    unit_code: str
    total: int = 0

    def with_version(self, version: int) -> Self:
        return replace(self, version=version)


def evolve(state: Tally | None, e: EventPayload, stream_id: UUID) -> Tally:
    if isinstance(e, TallyOpened):
        return Tally(stream_id, 0, e.unit_code)
    assert state is not None
    assert isinstance(e, TallyCounted)
    return replace(state, total=state.total + e.by)


def not_found(stream_id: UUID) -> NotFound:
    return NotFound("tally", str(stream_id))


TALLY = Aggregate("tally", evolve, not_found)


class Rows:
    """A read model that remembers each change it was given."""

    def __init__(self) -> None:
        self.applied: list[Change[Tally]] = []

    async def guard(self, connection: Any, change: Change[Tally]) -> None:
        return None

    async def apply(self, connection: Any, change: Change[Tally]) -> None:
        self.applied.append(change)


def ctx(key: str | None = None, if_match: int | None = None) -> CommandContext:
    return CommandContext(
        Principal("officer-1", Role.PROVINCE_OFFICER, "12"), uuid4(), None, key, if_match
    )


def body(t: Tally) -> dict[str, Any]:
    return {"id": str(t.id), "version": t.version, "total": t.total}


def open_tally(stream_id: UUID) -> Command[Tally]:
    return Command(
        "open", stream_id, {}, lambda _: [TallyOpened(unit_code="12")], body, creates=True
    )


def count(stream_id: UUID, by: int, allowed: bool = True) -> Command[Tally]:
    def authorise(state: Tally | None) -> None:
        if not allowed:
            raise Forbidden("not yours")

    return Command(
        "count",
        stream_id,
        {"by": by},
        lambda _: [TallyCounted(by=by)] if by else [],
        body,
        authorise,
    )


@pytest.fixture(autouse=True)
def tally_contracts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tally's events, in a copy of the catalogue that the test leaves behind."""
    monkeypatch.setattr(events, "_CATALOGUE", dict(events._CATALOGUE))
    event("lmis.test.tally.opened.v1", stream_type="tally")(TallyOpened)
    event("lmis.test.tally.counted.v1", stream_type="tally")(TallyCounted)


@pytest.fixture
def path() -> tuple[CommandPath[Tally], InMemoryEventStore, Rows]:
    store, rows = InMemoryEventStore(), Rows()
    return CommandPath(TALLY, EventStoreStreams(store, rows), FixedClock(NOW), "/t"), store, rows


async def test_a_new_stream_answers_201_and_the_read_model_sees_the_state(path: Any) -> None:
    commands, store, rows = path
    sid = uuid4()
    result = await commands.run(open_tally(sid), ctx())
    assert (result.status_code, result.body["version"]) == (201, 1)
    assert rows.applied[0].before is None
    assert rows.applied[0].after.unit_code == "12"
    [recorded] = await store.read_stream(sid)
    assert (recorded.metadata.actor, recorded.metadata.source) == ("officer-1", "/t")


async def test_a_repeated_key_replays_the_first_answer_and_appends_nothing(path: Any) -> None:
    commands, store, _ = path
    sid = uuid4()
    await commands.run(open_tally(sid), ctx())
    first = await commands.run(count(sid, 2), ctx("k-1"))
    again = await commands.run(count(sid, 2), ctx("k-1"))
    assert again.replayed
    assert again.body == first.body
    assert len(await store.read_stream(sid)) == 2


async def test_a_key_reused_for_another_request_is_refused(path: Any) -> None:
    commands, _, _ = path
    sid = uuid4()
    await commands.run(open_tally(sid), ctx())
    await commands.run(count(sid, 2), ctx("k-1"))
    with pytest.raises(IdempotencyKeyReused):
        await commands.run(count(sid, 3), ctx("k-1"))


async def test_a_stale_if_match_is_refused_before_deciding(path: Any) -> None:
    commands, store, _ = path
    sid = uuid4()
    await commands.run(open_tally(sid), ctx())
    with pytest.raises(PreconditionFailed):
        await commands.run(count(sid, 1), ctx(if_match=7))
    assert len(await store.read_stream(sid)) == 1


async def test_a_command_on_a_missing_stream_is_not_found(path: Any) -> None:
    commands, _, _ = path
    with pytest.raises(NotFound):
        await commands.run(count(uuid4(), 1), ctx())


async def test_authorisation_comes_before_anything_is_written(path: Any) -> None:
    commands, store, _ = path
    sid = uuid4()
    await commands.run(open_tally(sid), ctx())
    with pytest.raises(Forbidden):
        await commands.run(count(sid, 1, allowed=False), ctx("k-2"))
    assert len(await store.read_stream(sid)) == 1


async def test_nothing_decided_appends_nothing_and_answers_the_current_state(path: Any) -> None:
    commands, store, rows = path
    sid = uuid4()
    await commands.run(open_tally(sid), ctx())
    result = await commands.run(count(sid, 0), ctx("k-3"))
    assert (result.status_code, result.body["version"]) == (200, 1)
    assert len(rows.applied) == 1
    assert len(await store.read_stream(sid)) == 1


async def test_losing_the_race_is_a_conflict_naming_the_versions(path: Any) -> None:
    commands, _, _ = path
    sid = uuid4()
    await commands.run(open_tally(sid), ctx())
    with pytest.raises(ConcurrencyConflict):
        await commands.run(open_tally(sid), ctx())  # the stream exists: expected 0, found 1
