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
   stage, writing only the rows that differ (a first build, into tables found empty under the
   lock, copies its rows straight in instead). When it commits, the live processor resumes: an
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
from collections.abc import Container, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

import asyncpg

from lmis_shared.migrations import quoted_schema
from lmis_shared.processing.projection import _LOCK_CLASS, Connection
from lmis_shared.processing.replay import gap_safe_bound
from lmis_shared.processing.replay_parts import Hook, Progress, replay_into, replay_split
from lmis_shared.processing.staging import Replica, Stage
from lmis_shared.processing.versions import StreamVersions

CHUNK = 20_000
"""Events read per statement: a few tens of milliseconds of PostgreSQL work each."""

__all__ = ["CHUNK", "Hook", "SwapSteps", "rebuild_projection"]


class SwapSteps(Protocol):
    """What a projection adds to the swap's transaction (see the module's docstring)."""

    async def locked(self, conn: Connection) -> None:
        """Right after the projection's lock, before anything is written: locks of its own
        (the transaction's id comes after them)."""

    async def staged(self, conn: Connection) -> None:
        """The stage holds the rebuilt rows (events since the bound included); it is swapped
        in next."""


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
    processes: int = 1,
    dsn: str | None = None,
    steps: SwapSteps | None = None,
) -> int:
    """Rebuild projection `name` (tables of `replica` in `schema`) from the event stores of
    `sources` (schemas) and swap it in; returns how many events it applied. `between_chunks`
    (a test's hook) runs after each chunk of the replay, no transaction open, `before_swap`
    (another) once the stage is filled, before the swap's lock; `phases`, if
    given, receives the seconds each phase took (`replay`, `stage`, `swap`: the locked one,
    and `other_processes_cpu`, the CPU seconds of a split replay's other processes);
    `steps`, the projection's own part of the swap. With `processes` above 1 and the `dsn`
    to connect with, the first replay is split by stream across that many processes
    (`replay_parts.replay_split`; the replica's class must `export` and `absorb`)."""
    clock = _Phases(phases)
    progress = Progress({source: (0, 0) for source in sources})
    with _no_cyclic_gc():
        bound = await gap_safe_bound(pool)
        if processes > 1 and dsn is not None:
            cpu = await replay_split(
                pool, dsn, replica, progress, handled, bound, chunk, processes,
                between_chunks, name,
            )  # fmt: skip
            if phases is not None:
                phases["other_processes_cpu"] = round(cpu, 1)
        else:
            await replay_into(pool, replica, progress, handled, bound, chunk, between_chunks)
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
    progress: Progress,
    chunk: int,
    clock: _Phases,
    before_swap: Hook | None,
    steps: SwapSteps | None = None,
) -> None:
    await stage.create()
    # what arrived while the replay ran, then the copy: the locked swap has little left to do
    await replay_into(pool, replica, progress, handled, await gap_safe_bound(pool), chunk)
    clock.done("replay")
    # a first build (nothing live yet) skips the stage: its rows go straight into the live
    # tables under the lock, with no join and no second copy of a million rows; not for a
    # projection whose swap steps read the stage, or whose rows go in in an order
    first_build = (
        steps is None
        and not any(t.order for t in replica.tables)
        and await stage.live_is_empty(name)
    )
    if not first_build:
        await _fill(stage, replica, progress, name)
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
        await replay_into(pool, replica, progress, handled, bound, chunk)
        if first_build and await stage.live_is_empty(name):
            positions = progress.positions_encoded(name)
            await stage.load_live(replica, progress.versions, name, positions)
        else:
            if first_build:  # the live processor began meanwhile: the stage after all
                await _fill(stage, replica, progress, name)
            await stage.refresh(replica, progress.moved, progress.versions)
            if steps is not None:
                await steps.staged(conn)
            await stage.swap(name)
        await _drop_covered_parks(conn, schema, name)
    clock.done("swap")


async def _fill(stage: Stage, replica: Replica, progress: Progress, name: str) -> None:
    await stage.fill(replica, progress.versions, progress.positions_encoded(name))
    for table in replica.tables:
        replica.touched(table)  # staged as they are now
    progress.moved = set()


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
        # everything made meanwhile is still in the youngest generation: the first collection
        # after `enable` would walk all of it (measured at 3.5 us an event). Moved to the
        # oldest instead, walked at the next full collection, by when the replica is gone.
        gc.freeze()
        gc.unfreeze()
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
