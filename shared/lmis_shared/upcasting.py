"""Upcasting: an old version of an event read as the newest one.

Events are kept for ever, so a stored or published `….v1` outlives the code that wrote it. When
a contract must change, its producer adds `….v2` as a new class (v1 stays in the catalogue,
with its golden file and its schema) and registers, next to v2, a function that turns v1 data
into v2 data:

    @upcaster(from_type="lmis.registry.worker.departed.v1",
              to_type="lmis.registry.worker.departed.v2")
    def _departed_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "border_gate_code": None}

`upcast` follows the chain v1 → v2 → v3, so folds and consumers handle the newest version only
(`RecordedEvent.payload()` does it for them). An upcaster is a pure function of the JSON data:
it looks nothing up, so replaying an event gives the same result today and in ten years.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

Data = dict[str, Any]
Upcaster = Callable[[Data], Data]
U = TypeVar("U", bound=Upcaster)

_UPCASTERS: dict[str, tuple[str, Upcaster]] = {}
"""from_type -> (to_type, function). One successor per version: the chain never forks."""


def upcaster(*, from_type: str, to_type: str) -> Callable[[U], U]:
    """Register `fn(data) -> data` as the step from one version of an event to the next."""

    def register(fn: U) -> U:
        if from_type == to_type:
            raise ValueError(f"an upcaster must change the version of {from_type}")
        known = _UPCASTERS.get(from_type)
        if known is not None and known[1] is not fn:
            raise ValueError(f"{from_type} already has an upcaster (to {known[0]})")
        if from_type in _chain(to_type):
            raise ValueError(f"an upcaster {from_type} -> {to_type} would loop")
        _UPCASTERS[from_type] = (to_type, fn)
        return fn

    return register


def has_upcaster(event_type: str) -> bool:
    """Whether a newer version of `event_type` exists (then `upcast` changes it)."""
    return event_type in _UPCASTERS


def upcast(event_type: str, data: Data) -> tuple[str, Data]:
    """(newest type, its data) for an event of `event_type`; unchanged if none is newer."""
    if event_type not in _UPCASTERS:
        return event_type, data
    # the caller's dict is the recorded event: an upcaster that edits in place must not touch it
    data = copy.deepcopy(data)
    while event_type in _UPCASTERS:
        event_type, step = _UPCASTERS[event_type]
        data = step(data)
    return event_type, data


def newest_type(event_type: str) -> str:
    """The version an event of `event_type` is read as, e.g. to decide whether a consumer
    handles it before decoding the data."""
    return _chain(event_type)[-1]


def upcasters() -> dict[str, str]:
    """Every registered step, from_type -> to_type."""
    return {from_type: to_type for from_type, (to_type, _) in _UPCASTERS.items()}


def _chain(event_type: str) -> list[str]:
    chain = [event_type]
    while chain[-1] in _UPCASTERS:
        chain.append(_UPCASTERS[chain[-1]][0])
    return chain
