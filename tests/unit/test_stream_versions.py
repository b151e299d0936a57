"""A projection applies a stream's events one after the other, in version order: the plan
(`lmis_shared.processing.versions.plan`) judged on its own, with the positions and parked
events a fake of the table holds (the SQL around it runs in tests/integration/
test_stream_versions.py)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid4

from lmis_shared.events import EventPayload, RecordedEvent
from lmis_shared.processing.decoding import Arrival, Decoded, Passing, Unreadable
from lmis_shared.processing.versions import plan
from tests.unit.event_examples import recorded_event

HANDLED = "lmis.test.thing.counted.v1"
OTHER = "lmis.test.thing.renamed.v1"
NEWER = "lmis.test.thing.counted.v2"


def event(stream: UUID, version: int, event_type: str = HANDLED) -> RecordedEvent:
    return recorded_event(event_type, {}, stream_id=stream, stream_type="thing", version=version)


class Code:
    """What the deployed code reads: `newer` becomes readable once an upcaster is deployed."""

    def __init__(self) -> None:
        self.upcaster_deployed = False

    def read(self, e: RecordedEvent) -> Arrival:
        if e.event_type == NEWER and not self.upcaster_deployed:
            return Unreadable(e)
        if e.event_type == OTHER:
            return Passing(e)
        return _decoded(e)


def _decoded(e: RecordedEvent) -> Arrival:
    return Decoded(e, EventPayload())


def versions(applied: Sequence[Decoded]) -> list[int]:
    return [d.event.metadata.stream_version for d in applied]


def test_the_next_versions_apply_and_redeliveries_are_skipped() -> None:
    s, code = uuid4(), Code()
    batch = [code.read(event(s, v)) for v in (3, 4, 4, 5)]

    done = plan(batch, {s: 3}, {}, code.read)

    assert done.applied == [False, True, False, True]
    assert versions(done.to_apply) == [4, 5]
    assert done.positions == {s: 5}
    assert done.park == []
    assert done.unpark == []


def test_other_types_hold_their_version_without_being_applied() -> None:
    s, code = uuid4(), Code()
    batch = [code.read(event(s, 1)), code.read(event(s, 2, OTHER)), code.read(event(s, 3))]

    done = plan(batch, {}, {}, code.read)

    assert done.applied == [True, False, True]
    assert versions(done.to_apply) == [1, 3]
    assert done.positions == {s: 3}


def test_a_jump_is_parked_and_the_stream_goes_on_with_its_real_versions() -> None:
    s, code = uuid4(), Code()
    batch = [code.read(event(s, 2_000_000_000)), code.read(event(s, 4))]

    done = plan(batch, {s: 3}, {}, code.read)

    assert done.applied == [False, True]
    assert [(p.version, p.reason) for p in done.park] == [(2_000_000_000, "gap")]
    assert done.positions == {s: 4}


def test_a_gap_parks_until_the_missing_version_comes_then_both_apply_in_order() -> None:
    s, code = uuid4(), Code()
    later = event(s, 3)

    first = plan([code.read(later)], {s: 1}, {}, code.read)
    assert first.applied == [False]
    assert first.positions == {}
    assert [(p.version, p.reason) for p in first.park] == [(3, "gap")]

    second = plan([code.read(event(s, 2))], {s: 1}, {s: {3: later}}, code.read)
    assert second.applied == [True]
    assert versions(second.to_apply) == [2, 3]
    assert second.unpark == [(s, 3)]
    assert second.positions == {s: 3}


def test_a_gap_filled_within_the_batch_parks_nothing() -> None:
    s, code = uuid4(), Code()
    batch = [code.read(event(s, v)) for v in (1, 3, 2, 3)]

    done = plan(batch, {}, {}, code.read)

    assert versions(done.to_apply) == [1, 2, 3]
    assert done.applied == [True, False, True, False]
    assert done.park == []
    assert done.unpark == []


def test_a_newer_version_no_upcaster_reads_parks_its_stream_until_one_is_deployed() -> None:
    s, code = uuid4(), Code()
    newer, after = event(s, 2, NEWER), event(s, 3)

    done = plan([code.read(newer), code.read(after)], {s: 1}, {}, code.read)
    assert done.applied == [False, False]
    assert [(p.version, p.reason) for p in done.park] == [(2, "unknown_version"), (3, "gap")]

    waiting = {s: {2: newer, 3: after}}
    assert plan([], {s: 1}, waiting, code.read, wake=[s]).unpark == []  # still unreadable
    code.upcaster_deployed = True
    resumed = plan([], {s: 1}, waiting, code.read, wake=[s])
    assert versions(resumed.to_apply) == [2, 3]
    assert resumed.unpark == [(s, 2), (s, 3)]
    assert resumed.positions == {s: 3}


def test_a_redelivered_parked_record_is_not_parked_twice() -> None:
    s, code = uuid4(), Code()
    parked = event(s, 5)

    done = plan([code.read(parked)], {s: 2}, {s: {5: parked}}, code.read)

    assert done.applied == [False]
    assert done.park == []
    assert done.unpark == []


def test_streams_are_judged_apart() -> None:
    a, b, code = uuid4(), uuid4(), Code()
    batch = [code.read(event(a, 1)), code.read(event(b, 7)), code.read(event(a, 2))]

    done = plan(batch, {}, {}, code.read)

    assert done.applied == [True, False, True]
    assert done.positions == {a: 2}
    assert [(p.stream_id, p.version) for p in done.park] == [(b, 7)]
