"""Rebuilding a projection beside live traffic: replayed in memory, staged, swapped in at once.

`Projection.rebuild` replays into the live tables inside ONE transaction: for a million events
that is minutes during which the transaction holds an id, so `pg_snapshot_xmin` stays behind
it and every relay of the cluster stops publishing. Here instead:

1. **Replay in memory.** The event stores are read in large chunks of short read-only
   statements (`replay.py`: no transaction id, so no relay waits), up to a gap-safe bound, and
   applied by the projection's own use case to an in-memory implementation of its ports (a
   `Replica`): what the rebuild computes is by construction what live processing computes.
   Events are kept per stream above the version already applied, exactly as
   `Projection._apply_new` does, and the same positions are kept.
2. **Stage.** The replica's rows and positions are copied (COPY) into temporary tables of the
   rebuild's own session: no DDL in the service's schema (its role has none) and no WAL.
3. **Swap.** One transaction takes the projection's lock (the live processor, which takes it
   first in every batch, waits holding nothing), replays the events committed since the
   bound (everything the relays may have published, so everything the live processor may have
   applied: a relay publishes only below the gap-safe bound, and the bound only moves up),
   restages the rows they changed, and makes the live tables and positions equal to the
   stage, writing only the rows that differ. When it commits, the live processor resumes: an
   event the rebuild applied is at or below its stream's new position and is skipped, any
   later one is applied once. Nothing is lost, nothing counted twice.

A projection whose effects reach beyond its tables (notify's alerts are events) hands over
`SwapSteps`: its own locks, taken first in the swap's transaction, and what it writes beside
the stage once the stage is complete. Parked events of the projection that the rebuilt
positions cover (`versions.py`) are deleted at the swap, and `lmis_parked_events` set again.

Readers see the old rows until the swap commits. Two rebuilds of one projection at once are
not supported (the second's swap would win).
"""

from __future__ import annotations

import gc
import time
from collections.abc import (
    Awaitable,
    Callable,
    Container,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

import asyncpg

from lmis_shared.migrations import quoted_schema
from lmis_shared.processing.projection import _LOCK_CLASS, Connection
from lmis_shared.processing.replay import Position, Replayed, gap_safe_bound, replay
from lmis_shared.processing.staging import Replica, Stage
from lmis_shared.processing.versions import StreamVersions

CHUNK = 20_000
"""Events read per statement: a few tens of milliseconds of PostgreSQL work each."""

Hook = Callable[[], Awaitable[None]]


class SwapSteps(Protocol):
    """What a projection adds to the swap's transaction (see the module's docstring)."""

    async def locked(self, conn: Connection) -> None:
        """Right after the projection's lock, before anything is written: locks of its own
        (the transaction's id comes after them)."""

    async def staged(self, conn: Connection) -> None:
        """The stage holds the rebuilt rows (events since the bound included); it is swapped
        in next."""


@dataclass
class _Progress:
    """Where the replay stands: per store the position read to, per stream the version."""

    read_to: dict[str, Position]
    versions: dict[UUID, int] = field(default_factory=dict)
    moved: set[UUID] = field(default_factory=set)
    applied: int = 0

    def kept(self, events: Sequence[Replayed], seen: Mapping[UUID, int]) -> list[Replayed]:
        """The events above their stream's version; then every stream moves to the last
        version `seen` in the chunk, events of types the projection does not apply included,
        as the live projection's positions do (else the next live event looks like a gap)."""
        new = []
        for e in events:
            if e.version > self.versions.get(e.stream_id, 0):
                self.versions[e.stream_id] = e.version
                self.moved.add(e.stream_id)
                new.append(e)
        for stream_id, version in seen.items():
            if version > self.versions.get(stream_id, 0):
                self.versions[stream_id] = version
                self.moved.add(stream_id)
        return new


async def rebuild_projection(
    pool: asyncpg.Pool,
    schema: str,
    name: str,
    handled: Container[str],
    replica: Replica,
    sources: Sequence[str],
    *,
    chunk: int = CHUNK,
    between_chunks: Hook | None = None,
    before_swap: Hook | None = None,
    phases: dict[str, float] | None = None,
    steps: SwapSteps | None = None,
) -> int:
    """Rebuild projection `name` (tables of `replica` in `schema`) from the event stores of
    `sources` (schemas) and swap it in; returns how many events it applied. `between_chunks`
    (a test's hook) runs after each chunk of the replay, no transaction open, `before_swap`
    (another) once the stage is filled, before the swap's lock; `phases`, if
    given, receives the seconds each phase took (`replay`, `stage`, `swap`: the locked one);
    `steps`, the projection's own part of the swap."""
    clock = _Phases(phases)
    progress = _Progress({source: (0, 0) for source in sources})
    with _no_cyclic_gc():
        bound = await gap_safe_bound(pool)
        await _replay(pool, replica, progress, handled, bound, chunk, between_chunks)
        async with pool.acquire() as conn:
            stage = Stage(conn, schema, replica.tables)
            try:
                await _stage_and_swap(
                    stage,
                    conn,
                    pool,
                    schema,
                    name,
                    handled,
                    replica,
                    progress,
                    chunk,
                    clock,
                    before_swap,
                    steps,
                )
            finally:
                await stage.drop()
    return progress.applied


async def _stage_and_swap(
    stage: Stage,
    conn: Connection,
    pool: asyncpg.Pool,
    schema: str,
    name: str,
    handled: Container[str],
    replica: Replica,
    progress: _Progress,
    chunk: int,
    clock: _Phases,
    before_swap: Hook | None,
    steps: SwapSteps | None = None,
) -> None:
    await stage.create()
    # what arrived while the replay ran, then the copy: the locked swap has little left to do
    await _replay(pool, replica, progress, handled, await gap_safe_bound(pool), chunk)
    clock.done("replay")
    await stage.fill(replica, progress.versions)
    for table in replica.tables:
        replica.touched(table)  # staged as they are now
    progress.moved = set()
    clock.done("stage")
    if before_swap is not None:
        await before_swap()
    async with conn.transaction():
        await conn.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))", _LOCK_CLASS, f"{schema}.{name}"
        )
        if steps is not None:
            await steps.locked(conn)
        bound = await gap_safe_bound(conn)
        await _replay(pool, replica, progress, handled, bound, chunk)
        await stage.refresh(replica, progress.moved, progress.versions)
        if steps is not None:
            await steps.staged(conn)
        await stage.swap(name)
        await _drop_covered_parks(conn, schema, name)
    clock.done("swap")


async def _drop_covered_parks(conn: Connection, schema: str, name: str) -> None:
    """Parked events at or below their stream's rebuilt position were replayed from the store
    (or stand for a version the store holds): what they waited for is done. Those above it
    still wait (a version the store has not got). The gauge is set to what is left."""
    versions = StreamVersions(quoted_schema(schema), name)
    await conn.execute(
        f"DELETE FROM {versions.q}.parked_events p USING {versions.q}.projection_positions s"  # noqa: S608
        " WHERE p.projection = $1 AND s.projection = $1 AND s.stream_id = p.stream_id"
        " AND p.version <= s.version",
        name,
    )
    await versions.report(conn)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The cycle collector paused while the replica is built and staged: each full collection
    walks every object the replica holds (millions), and took half the replay's time,
    measured. What a rebuild makes is tuples, models and dicts that reference counting
    frees."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Phases:
    def __init__(self, into: dict[str, float] | None) -> None:
        self._into = into
        self._last = time.perf_counter()

    def done(self, phase: str) -> None:
        now = time.perf_counter()
        if self._into is not None:
            self._into[phase] = round(now - self._last, 2)
        self._last = now


async def _replay(
    pool: asyncpg.Pool,
    replica: Replica,
    progress: _Progress,
    handled: Container[str],
    bound: int,
    chunk: int,
    between_chunks: Hook | None = None,
) -> None:
    for source, after in progress.read_to.items():
        async for read_to, events, seen in replay(pool, source, handled, after, bound, chunk):
            new = progress.kept(events, seen)
            await replica.apply(new)
            progress.applied += len(new)
            progress.read_to[source] = read_to
            if between_chunks is not None:
                await between_chunks()
