"""Folding a stream's events into state, the same way for every aggregate of the service."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, Self, TypeVar
from uuid import UUID

from lmis_shared.events import EventPayload


class Versioned(Protocol):
    @property
    def id(self) -> UUID: ...

    @property
    def version(self) -> int: ...

    def with_version(self, version: int) -> Self: ...


S = TypeVar("S", bound=Versioned)
Evolve = Callable[[S | None, EventPayload, UUID], S]


def fold(
    evolve: Evolve[S], stream_id: UUID, events: Iterable[tuple[int, EventPayload]]
) -> S | None:
    """The state after `events` (version, payload), or None for an empty stream."""
    state: S | None = None
    for version, event in events:
        state = evolve(state, event, stream_id).with_version(version)
    return state


def fold_more(evolve: Evolve[S], state: S, events: Iterable[EventPayload]) -> S:
    """The state after appending freshly decided `events` to an existing `state`."""
    for event in events:
        state = evolve(state, event, state.id).with_version(state.version + 1)
    return state
