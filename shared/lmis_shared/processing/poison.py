"""Applying a batch so that one event that always fails cannot stop a projection.

A failure to reach PostgreSQL or the broker (`lmis_shared.outages.is_unreachable`) is
retried with back-off for ever: waiting only delays the counts, skipping would make them
wrong. Any other error is a fault of the batch's contents or of the code that applies them:
after `ATTEMPTS` tries the batch is split in two and each half applied on its own (in order:
one stream's events stay in order), down to the one record that fails alone. That record is
handed back as poison (`Poisoned`), for the agent to dead-letter with the reason and go on;
every other record of the batch is applied exactly as it would have been.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Generic, TypeVar

from lmis_shared.liveness import Liveness
from lmis_shared.logging import get_logger
from lmis_shared.outages import is_unreachable

log = get_logger(__name__)
T = TypeVar("T")

ATTEMPTS = 3
FIRST_DELAY = 0.1
MAX_DELAY = 10.0


@dataclass(frozen=True)
class Poisoned:
    """A record that failed `ATTEMPTS` times on its own; `reason` names the error's type and
    SQLSTATE only (a driver's message can quote row values)."""

    index: int
    reason: str


async def apply_isolating(
    items: Sequence[T],
    apply: Callable[[Sequence[T]], Awaitable[list[bool]]],
    liveness: Liveness,
    step: str = "apply",
) -> tuple[list[bool], list[Poisoned]]:
    """`apply(items)`, or with a failing record isolated: for each item whether it was
    applied (False for poison), and the poisoned items' indexes with the reason."""
    applied = [False] * len(items)
    poisoned: list[Poisoned] = []
    if items:
        await _isolating(_Batch(items, apply, liveness, step, applied, poisoned), 0, len(items))
    return applied, poisoned


@dataclass(frozen=True)
class _Batch(Generic[T]):
    """What the bisection of one batch shares. A plain object, not a recursive closure: such
    a closure refers to itself, so the batch it holds (every record, decoded) would stay
    until the cyclic garbage collector came by, and walking them was most of its time."""

    items: Sequence[T]
    apply: Callable[[Sequence[T]], Awaitable[list[bool]]]
    liveness: Liveness
    step: str
    applied: list[bool]
    poisoned: list[Poisoned]


async def _isolating(batch: _Batch[T], start: int, end: int) -> None:
    """Apply `batch.items[start:end]`, or each half of it on its own if it keeps failing."""
    part = batch.items[start:end]
    error = await _attempts(batch.step, partial(batch.apply, part), batch.liveness)
    if isinstance(error, list):
        batch.applied[start:end] = error
        return
    if end - start == 1:
        reason = f"applying failed {ATTEMPTS} times: {_described(error)}"
        log.error("processing.poisoned", step=batch.step, error=type(error).__name__)
        batch.poisoned.append(Poisoned(start, reason))
        return
    middle = (start + end) // 2
    await _isolating(batch, start, middle)
    await _isolating(batch, middle, end)


async def _attempts(
    step: str, call: Callable[[], Awaitable[list[bool]]], liveness: Liveness
) -> list[bool] | Exception:
    """The call's result, or the last error once it has failed `ATTEMPTS` times for a reason
    other than reaching a server (those are retried for ever, not counted)."""
    delay = FIRST_DELAY
    failures = 0
    while True:
        try:
            with liveness.busy():
                return await call()
        except Exception as exc:
            unreachable = is_unreachable(exc)
            failures += 0 if unreachable else 1
            log.error(
                "processing.retrying",
                step=step,
                error=type(exc).__name__,
                sqlstate=getattr(exc, "sqlstate", None),
                unreachable=unreachable,
                retry_in_seconds=delay,
            )
            if failures >= ATTEMPTS:
                return exc
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY)


def _described(error: BaseException) -> str:
    sqlstate = getattr(error, "sqlstate", None)
    return type(error).__name__ + (f" (SQLSTATE {sqlstate})" if sqlstate else "")
