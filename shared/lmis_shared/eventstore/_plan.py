"""Turning appends into rows, shared by both stores so that they number events alike."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, overload
from uuid import UUID

from lmis_shared.events import RecordedEvent
from lmis_shared.eventstore.api import AppendContext, AppendResult, Position, StreamAppend
from lmis_shared.eventstore.errors import WrongExpectedVersion


class PlannedEvent(NamedTuple):  # a tuple: a batch makes thousands, and they stay internal
    event_id: UUID
    event_type: str
    stream_id: UUID
    stream_type: str
    version: int
    data: dict[str, Any]
    context: AppendContext


@dataclass(frozen=True)
class Plan:
    checks: list[tuple[UUID, int]]
    """(stream id, version it must be at) for each stream, before the batch."""
    events: list[PlannedEvent]


def plan(batch: Sequence[StreamAppend]) -> Plan:
    """Number every event; a stream may appear twice if its versions follow on."""
    running: dict[UUID, int] = {}
    checks: list[tuple[UUID, int]] = []
    events: list[PlannedEvent] = []
    for item in batch:
        if item.expected_version < 0:
            raise ValueError("expected_version must be 0 (new stream) or more")
        if item.stream_id not in running:
            checks.append((item.stream_id, item.expected_version))
        elif running[item.stream_id] != item.expected_version:
            raise WrongExpectedVersion(item.stream_id, item.expected_version, None)
        version = item.expected_version
        for new in item.events:
            version += 1
            events.append(
                PlannedEvent(
                    event_id=new.event_id,
                    event_type=new.payload.event_type,
                    stream_id=item.stream_id,
                    stream_type=item.stream_type,
                    version=version,
                    data=new.payload.model_dump(mode="json"),
                    context=item.context,
                )
            )
        running[item.stream_id] = version
    return Plan(checks, events)


class StreamRows(NamedTuple):
    """One stream's append as the PostgreSQL store's INSERT takes it (`_sql.py`): the stream
    and its context once, the events' fields as columns, their data as JSON text."""

    stream_id: UUID
    stream_type: str
    expected_version: int
    event_ids: list[UUID]
    event_types: list[str]
    datas: list[str]
    context: AppendContext


def stream_rows(item: StreamAppend, datas: list[str]) -> StreamRows:
    """The rows of `item`, whose events' data `datas` are (the store's JSON text of each)."""
    if item.expected_version < 0:
        raise ValueError("expected_version must be 0 (new stream) or more")
    return StreamRows(
        item.stream_id,
        item.stream_type,
        item.expected_version,
        [e.event_id for e in item.events],
        [e.payload.event_type for e in item.events],
        datas,
        item.context,
    )


def recorded(event: PlannedEvent, position: Position) -> RecordedEvent:
    """The stored form of a planned event.

    Validated in one call from plain values: measured, that is cheaper than validating the
    metadata and then the event, and cheaper still than pydantic's unvalidated
    `model_construct`, which runs in Python.
    """
    ctx = event.context
    metadata = {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "stream_id": event.stream_id,
        "stream_type": event.stream_type,
        "stream_version": event.version,
        "recorded_at": ctx.recorded_at,
        "actor": ctx.actor,
        "correlation_id": ctx.correlation_id,
        "causation_id": ctx.causation_id,
        "traceparent": ctx.traceparent,
        "source": ctx.source,
    }
    return RecordedEvent.model_validate(
        {"metadata": metadata, "data": event.data, "position": position}
    )


class Recorded(Sequence[RecordedEvent]):
    """The recorded form of appended events, built when first looked at.

    The command path never looks (it answers from the folded state), and validating each
    event's metadata was a good part of the client's work in an append.
    """

    def __init__(self, events: Sequence[PlannedEvent], positions: Sequence[Position]) -> None:
        if len(events) != len(positions):
            raise ValueError("one position per event")
        self._events = events
        self._positions = positions
        self._built: list[RecordedEvent] | None = None

    @property
    def positions(self) -> Sequence[Position]:
        return self._positions

    def _planned(self) -> Sequence[PlannedEvent]:
        return self._events

    def _all(self) -> list[RecordedEvent]:
        if self._built is None:
            self._built = [
                recorded(e, p) for e, p in zip(self._planned(), self._positions, strict=True)
            ]
        return self._built

    @overload
    def __getitem__(self, index: int) -> RecordedEvent: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[RecordedEvent]: ...

    def __getitem__(self, index: int | slice) -> RecordedEvent | Sequence[RecordedEvent]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._positions)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return self._all() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __add__(self, other: Sequence[RecordedEvent]) -> list[RecordedEvent]:
        return self._all() + list(other)

    def __radd__(self, other: Sequence[RecordedEvent]) -> list[RecordedEvent]:
        return list(other) + self._all()

    def __repr__(self) -> str:
        return repr(self._all())


class StreamRecorded(Recorded):
    """`Recorded` of one stream's append written from its `StreamRows`, no event planned (a
    dict of each event's data is not needed to write it): planned when first looked at, each
    event's data read back from the JSON text that was stored."""

    def __init__(self, rows: StreamRows, positions: Sequence[Position]) -> None:
        if len(rows.datas) != len(positions):
            raise ValueError("one position per event")
        self._rows = rows
        self._positions = positions
        self._built = None

    def _planned(self) -> list[PlannedEvent]:
        r = self._rows
        return [
            PlannedEvent(
                event_id,
                event_type,
                r.stream_id,
                r.stream_type,
                version,
                json.loads(data),
                r.context,
            )
            for version, event_id, event_type, data in zip(
                range(r.expected_version + 1, r.expected_version + len(r.datas) + 1),
                r.event_ids,
                r.event_types,
                r.datas,
                strict=True,
            )
        ]


def results(
    batch: Sequence[StreamAppend], events: Sequence[PlannedEvent], positions: Sequence[Position]
) -> list[AppendResult]:
    """One result per batch item, each with its own events (in the order they were planned)."""
    out: list[AppendResult] = []
    start = 0
    for item in batch:
        end = start + len(item.events)
        mine = Recorded(events[start:end], positions[start:end])
        out.append(AppendResult(item.stream_id, item.expected_version + len(mine), mine))
        start = end
    return out
