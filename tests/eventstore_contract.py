"""The event store contract: written once, run on the in-memory fake and on real PostgreSQL.

A test class that inherits `EventStoreContract` and provides a `store` fixture runs every
test here against that store (tests/unit/test_memory_event_store.py,
tests/integration/test_event_store.py).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import ClassVar

import pytest

from lmis_shared.events import EventPayload, NewEvent, RecordedEvent
from lmis_shared.eventstore import (
    AppendContext,
    DuplicateCommand,
    DuplicateEventId,
    EventStore,
    IdempotencyRecord,
    StreamAppend,
    WrongExpectedVersion,
)

T0 = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


class NoteAdded(EventPayload):
    """A test-only event, kept out of the catalogue so no contract listing ever sees it."""

    event_type: ClassVar[str] = "lmis.test.note.added.v1"
    stream_type: ClassVar[str] = "note"

    text: str
    n: int
    tags: tuple[str, ...] = ()


def ctx(at: datetime = T0, actor: str = "officer-7") -> AppendContext:
    return AppendContext(
        actor=actor,
        correlation_id=uuid.uuid4(),
        causation_id=uuid.uuid4(),
        traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        source="/lmis/test",
        recorded_at=at,
    )


def notes(*ns: int) -> list[NewEvent]:
    return [
        NewEvent(event_id=uuid.uuid4(), payload=NoteAdded(text=f"Ghi chú số {n}", n=n)) for n in ns
    ]


def versions(events: list[RecordedEvent]) -> list[int]:
    return [e.metadata.stream_version for e in events]


def numbers(events: list[RecordedEvent]) -> list[int]:
    return [e.data["n"] for e in events]


def key_record(key: str, body: dict[str, object] | None = None) -> IdempotencyRecord:
    return IdempotencyRecord(key, "fingerprint-1", 201, body or {"id": key})


class EventStoreContract:
    """Behaviour every EventStore must have."""

    async def test_appended_events_are_read_back_in_version_order(self, store: EventStore) -> None:
        stream = uuid.uuid4()
        first = await store.append(stream, "note", 0, notes(1, 2), ctx())
        second = await store.append(stream, "note", 2, notes(3), ctx())
        assert (first.new_version, second.new_version) == (2, 3)
        read = await store.read_stream(stream)
        assert versions(read) == [1, 2, 3]
        assert numbers(read) == [1, 2, 3]
        assert read == first.events + second.events

    async def test_an_event_keeps_its_data_and_metadata(self, store: EventStore) -> None:
        stream = uuid.uuid4()
        context = ctx(at=datetime(2026, 3, 1, 15, 30, tzinfo=timezone(timedelta(hours=7))))
        [new] = [NewEvent(event_id=uuid.uuid4(), payload=NoteAdded(text="Lò Thị Mai", n=1))]
        await store.append(stream, "note", 0, [new], context)
        [got] = await store.read_stream(stream)
        assert got.data == {"text": "Lò Thị Mai", "n": 1, "tags": []}
        m = got.metadata
        assert (m.event_id, m.event_type, m.stream_id, m.stream_type, m.stream_version) == (
            new.event_id,
            "lmis.test.note.added.v1",
            stream,
            "note",
            1,
        )
        assert m.recorded_at == context.recorded_at  # the caller's clock, not the store's
        assert m.recorded_at.utcoffset() is not None
        assert (m.actor, m.correlation_id, m.causation_id) == (
            "officer-7",
            context.correlation_id,
            context.causation_id,
        )
        assert (m.traceparent, m.source) == (context.traceparent, "/lmis/test")

    async def test_an_unknown_stream_reads_empty(self, store: EventStore) -> None:
        assert await store.read_stream(uuid.uuid4()) == []

    async def test_stale_writer_gets_a_conflict_and_appends_nothing(
        self, store: EventStore
    ) -> None:
        stream = uuid.uuid4()
        await store.append(stream, "note", 0, notes(1, 2), ctx())
        with pytest.raises(WrongExpectedVersion) as caught:
            await store.append(stream, "note", 1, notes(99), ctx())
        assert (caught.value.stream_id, caught.value.expected_version) == (stream, 1)
        assert caught.value.actual_version == 2
        assert numbers(await store.read_stream(stream)) == [1, 2]

    async def test_creating_a_stream_that_exists_is_a_conflict(self, store: EventStore) -> None:
        stream = uuid.uuid4()
        await store.append(stream, "note", 0, notes(1), ctx())
        with pytest.raises(WrongExpectedVersion):
            await store.append(stream, "note", 0, notes(99), ctx())
        assert numbers(await store.read_stream(stream)) == [1]

    async def test_expecting_a_version_the_stream_has_not_reached_is_a_conflict(
        self, store: EventStore
    ) -> None:
        stream = uuid.uuid4()
        await store.append(stream, "note", 0, notes(1, 2, 3), ctx())
        with pytest.raises(WrongExpectedVersion) as caught:
            await store.append(stream, "note", 5, notes(6), ctx())
        assert caught.value.actual_version == 3
        with pytest.raises(WrongExpectedVersion):
            await store.append(uuid.uuid4(), "note", 1, notes(2), ctx())  # no version 1 yet
        assert versions(await store.read_stream(stream)) == [1, 2, 3]

    async def test_a_negative_expected_version_is_refused(self, store: EventStore) -> None:
        with pytest.raises(ValueError, match="expected_version"):
            await store.append(uuid.uuid4(), "note", -1, notes(1), ctx())

    async def test_an_event_id_is_stored_once(self, store: EventStore) -> None:
        stream = uuid.uuid4()
        [event] = notes(1)
        await store.append(stream, "note", 0, [event], ctx())
        with pytest.raises(DuplicateEventId):
            await store.append(uuid.uuid4(), "note", 0, [event], ctx())
        assert await store.read_all(None) == await store.read_stream(stream)

    async def test_a_repeated_idempotency_key_appends_nothing_and_returns_the_first_response(
        self, store: EventStore
    ) -> None:
        stream = uuid.uuid4()
        await store.append(stream, "note", 0, notes(1), ctx(), idempotency=key_record("k-1"))
        with pytest.raises(DuplicateCommand) as caught:
            await store.append(
                stream, "note", 0, notes(2), ctx(), idempotency=key_record("k-1", {"id": "other"})
            )
        assert caught.value.stored.response == {"id": "k-1"}
        assert caught.value.stored.status_code == 201
        assert caught.value.stored.fingerprint == "fingerprint-1"
        assert numbers(await store.read_stream(stream)) == [1]
        stored = await store.find_response("k-1")
        assert stored is not None
        assert stored.response == {"id": "k-1"}

    async def test_a_repeat_with_the_version_it_then_expected_is_still_a_duplicate(
        self, store: EventStore
    ) -> None:
        stream = uuid.uuid4()
        await store.append(stream, "note", 0, notes(1), ctx(), idempotency=key_record("k-2"))
        await store.append(stream, "note", 1, notes(2), ctx())
        with pytest.raises(DuplicateCommand):  # not a conflict: the key decides first
            await store.append(stream, "note", 0, notes(1), ctx(), idempotency=key_record("k-2"))

    async def test_an_expired_key_has_no_response_and_may_be_used_again(
        self, store: EventStore
    ) -> None:
        key = f"expiring-{uuid.uuid4()}"
        first, second = uuid.uuid4(), uuid.uuid4()
        await store.append(first, "note", 0, notes(1), ctx(T0), idempotency=key_record(key))
        a_day_on = T0 + timedelta(hours=24)
        assert await store.find_response(key, not_before=T0) is not None
        assert await store.find_response(key, not_before=a_day_on) is None  # expired: dropped
        later = ctx(a_day_on)
        await store.append(second, "note", 0, notes(1), later, idempotency=key_record(key))
        assert numbers(await store.read_stream(second)) == [1]
        assert await store.find_response(key, not_before=a_day_on) is not None

    async def test_expired_responses_are_forgotten_and_live_ones_kept(
        self, store: EventStore
    ) -> None:
        old, new = f"old-{uuid.uuid4()}", f"new-{uuid.uuid4()}"
        await store.append(uuid.uuid4(), "note", 0, notes(1), ctx(T0), idempotency=key_record(old))
        fresh = ctx(T0 + timedelta(hours=30))
        await store.append(uuid.uuid4(), "note", 0, notes(1), fresh, idempotency=key_record(new))
        assert await store.forget_responses(T0 + timedelta(hours=6)) >= 1
        assert await store.find_response(old) is None
        assert await store.find_response(new) is not None

    async def test_an_unknown_key_has_no_response(self, store: EventStore) -> None:
        assert await store.find_response("never-used") is None

    async def test_a_refused_append_does_not_spend_its_key(self, store: EventStore) -> None:
        stream = uuid.uuid4()
        await store.append(stream, "note", 0, notes(1), ctx())
        with pytest.raises(WrongExpectedVersion):
            await store.append(stream, "note", 0, notes(2), ctx(), idempotency=key_record("k-3"))
        assert await store.find_response("k-3") is None
        await store.append(stream, "note", 1, notes(2), ctx(), idempotency=key_record("k-3"))
        assert numbers(await store.read_stream(stream)) == [1, 2]

    async def test_racing_twins_with_one_key_apply_exactly_once(self, store: EventStore) -> None:
        # twins carry the same key but, like two HTTP retries, each its own new stream id
        for round_ in range(5):
            key = f"twin-{round_}"
            streams = [uuid.uuid4() for _ in range(3)]
            outcomes = await asyncio.gather(
                *(
                    store.append(s, "note", 0, notes(i), ctx(), idempotency=key_record(key))
                    for i, s in enumerate(streams)
                ),
                return_exceptions=True,
            )
            applied = [o for o in outcomes if not isinstance(o, BaseException)]
            duplicates = [o for o in outcomes if isinstance(o, DuplicateCommand)]
            assert (len(applied), len(duplicates)) == (1, 2), outcomes
            written = [s for s in streams if await store.read_stream(s)]
            assert written == [applied[0].stream_id]

    async def test_append_many_writes_every_stream(self, store: EventStore) -> None:
        a, b = uuid.uuid4(), uuid.uuid4()
        await store.append(b, "note", 0, notes(1), ctx())
        results = await store.append_many(
            [
                StreamAppend(a, "note", 0, notes(1, 2), ctx()),
                StreamAppend(b, "note", 1, notes(2), ctx()),
                StreamAppend(a, "note", 2, notes(3), ctx()),  # the same stream, following on
            ]
        )
        assert [(r.stream_id, r.new_version) for r in results] == [(a, 2), (b, 2), (a, 3)]
        assert [versions(r.events) for r in results] == [[1, 2], [2], [3]]
        assert numbers(await store.read_stream(a)) == [1, 2, 3]
        assert numbers(await store.read_stream(b)) == [1, 2]

    async def test_append_many_is_all_or_nothing(self, store: EventStore) -> None:
        a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await store.append(b, "note", 0, notes(1, 2), ctx())
        before = await store.read_all(None)
        with pytest.raises(WrongExpectedVersion) as caught:
            await store.append_many(
                [
                    StreamAppend(a, "note", 0, notes(1), ctx()),
                    StreamAppend(b, "note", 1, notes(9), ctx()),  # stale
                    StreamAppend(c, "note", 0, notes(1), ctx()),
                ]
            )
        assert (caught.value.stream_id, caught.value.actual_version) == (b, 2)
        assert await store.read_all(None) == before
        assert await store.read_stream(a) == []
        assert await store.read_stream(c) == []

    async def test_append_many_refuses_a_batch_whose_versions_do_not_follow_on(
        self, store: EventStore
    ) -> None:
        a = uuid.uuid4()
        with pytest.raises(WrongExpectedVersion):
            await store.append_many(
                [
                    StreamAppend(a, "note", 0, notes(1), ctx()),
                    StreamAppend(a, "note", 0, notes(2), ctx()),
                ]
            )
        assert await store.read_stream(a) == []

    async def test_read_all_returns_everything_in_append_order(self, store: EventStore) -> None:
        a, b = uuid.uuid4(), uuid.uuid4()
        await store.append(a, "note", 0, notes(1, 2), ctx())
        await store.append(b, "note", 0, notes(3), ctx())
        await store.append(a, "note", 2, notes(4), ctx())
        everything = await store.read_all(None)
        assert numbers(everything) == [1, 2, 3, 4]
        positions = [e.position for e in everything]
        assert all(p is not None for p in positions)
        assert positions == sorted(positions)  # type: ignore[type-var]
        assert len(set(positions)) == 4

    async def test_read_all_pages_from_a_position(self, store: EventStore) -> None:
        for n in range(7):
            await store.append(uuid.uuid4(), "note", 0, notes(n), ctx())
        pages: list[list[int]] = []
        after = None
        while page := await store.read_all(after, limit=3):
            pages.append(numbers(page))
            after = page[-1].position
        assert pages == [[0, 1, 2], [3, 4, 5], [6]]
        assert await store.read_all(after) == []

    async def test_an_append_result_is_what_read_all_returns(self, store: EventStore) -> None:
        result = await store.append(uuid.uuid4(), "note", 0, notes(1, 2), ctx())
        assert await store.read_all(None) == result.events
