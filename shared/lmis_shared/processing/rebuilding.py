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

Readers see the old rows until the swap commits. Two rebuilds of one projection at once are
not supported (the second's swap would win).
"""

from __future__ import annotations

import gc
import itertools
import time
from abc import ABC, abstractmethod
from collections.abc import (
    Awaitable,
    Callable,
    Collection,
    Container,
    Iterable,
    Iterator,
    Sequence,
)
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import ClassVar
from uuid import UUID

import asyncpg

from lmis_shared.processing.projection import _LOCK_CLASS
from lmis_shared.processing.replay import Position, Replayed, gap_safe_bound, replay
from lmis_shared.sql import in_schema

CHUNK = 20_000
"""Events read per statement: a few tens of milliseconds of PostgreSQL work each."""
_COPY_ROWS = 100_000
"""Rows per COPY into the stage: each COPY is a short transaction of its own."""

Hook = Callable[[], Awaitable[None]]
Row = tuple[object, ...]


@dataclass(frozen=True)
class Table:
    """A table of the projection: its key (a unique index of the live table) and the rest."""

    name: str
    key: tuple[str, ...]
    values: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.key + self.values


class Replica(ABC):
    """A projection's tables in memory, written by the projection's own use case."""

    tables: ClassVar[tuple[Table, ...]]

    @abstractmethod
    async def apply(self, events: Sequence[Replayed]) -> None:
        """Apply new events (in order, each once), as the live projection's `apply` does."""

    @abstractmethod
    def rows(self, table: Table, keys: Collection[Row] | None = None) -> Iterable[Row]:
        """The table's rows (columns in `table.columns` order): all, or those of `keys` that
        exist."""

    @abstractmethod
    def touched(self, table: Table) -> set[Row]:
        """The keys written or deleted since the last call (the set is handed over)."""


@dataclass
class _Progress:
    """Where the replay stands: per store the position read to, per stream the version."""

    read_to: dict[str, Position]
    versions: dict[UUID, int] = field(default_factory=dict)
    moved: set[UUID] = field(default_factory=set)
    applied: int = 0

    def kept(self, events: Sequence[Replayed]) -> list[Replayed]:
        new = []
        for e in events:
            if e.version > self.versions.get(e.stream_id, 0):
                self.versions[e.stream_id] = e.version
                self.moved.add(e.stream_id)
                new.append(e)
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
    phases: dict[str, float] | None = None,
) -> int:
    """Rebuild projection `name` (tables of `replica` in `schema`) from the event stores of
    `sources` (schemas) and swap it in; returns how many events it applied. `between_chunks`
    (a test's hook) runs after each chunk of the replay, no transaction open; `phases`, if
    given, receives the seconds each phase took (`replay`, `stage`, `swap`: the locked one)."""
    clock = _Phases(phases)
    progress = _Progress({source: (0, 0) for source in sources})
    with _no_cyclic_gc():
        await _replay(
            pool, replica, progress, handled, await gap_safe_bound(pool), chunk, between_chunks
        )
    async with pool.acquire() as conn:
        stage = _Stage(conn, schema, replica.tables)
        try:
            await stage.create()
            # what arrived while the replay ran, then the copy: the locked swap has little left
            await _replay(pool, replica, progress, handled, await gap_safe_bound(pool), chunk)
            clock.done("replay")
            await stage.fill(replica, progress.versions)
            for table in replica.tables:
                replica.touched(table)  # staged as they are now
            progress.moved = set()
            clock.done("stage")
            async with conn.transaction():
                await conn.execute(
                    "SELECT pg_advisory_xact_lock($1, hashtext($2))",
                    _LOCK_CLASS,
                    f"{schema}.{name}",
                )
                bound = await gap_safe_bound(conn)
                await _replay(pool, replica, progress, handled, bound, chunk)
                await stage.refresh(replica, progress)
                await stage.swap(name)
            clock.done("swap")
        finally:
            await stage.drop()
    return progress.applied


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The cycle collector paused while the replica grows: each full collection walks every
    object the replica holds (millions), and took half the replay's time, measured. What the
    replay makes is tuples, models and dicts that reference counting frees."""
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
        async for read_to, events in replay(pool, source, handled, after, bound, chunk):
            new = progress.kept(events)
            await replica.apply(new)
            progress.applied += len(new)
            progress.read_to[source] = read_to
            if between_chunks is not None:
                await between_chunks()


def _q(name: str) -> str:
    return f'"{name}"'


class _Stage:
    """Temporary tables of one session holding the rebuilt rows, and the swap into the live
    tables (`{s}`) that writes only what differs."""

    def __init__(self, conn: asyncpg.Connection, schema: str, tables: Sequence[Table]) -> None:
        self._conn = conn
        self._schema = schema
        self._tables = tables

    def _sql(self, statement: str) -> str:
        return in_schema(statement, self._schema)

    async def create(self) -> None:
        await self.drop()
        for t in self._tables:
            stage, keys = _q(f"stage_{t.name}"), ", ".join(map(_q, t.key))
            await self._conn.execute(
                self._sql(f"CREATE TEMP TABLE {stage} (LIKE {{s}}.{_q(t.name)} INCLUDING DEFAULTS)")
            )
            await self._conn.execute(
                f"CREATE TEMP TABLE {_q(f'stage_keys_{t.name}')} AS SELECT {keys} FROM {stage}"
                " LIMIT 0"
            )
        await self._conn.execute(
            "CREATE TEMP TABLE stage_positions (stream_id uuid NOT NULL, version bigint NOT NULL)"
        )
        await self._conn.execute("CREATE TEMP TABLE stage_keys_positions (stream_id uuid)")

    async def drop(self) -> None:
        names = [f"stage_{t.name}" for t in self._tables] + [
            f"stage_keys_{t.name}" for t in self._tables
        ]
        for name in [*names, "stage_positions", "stage_keys_positions"]:
            await self._conn.execute(f"DROP TABLE IF EXISTS pg_temp.{_q(name)}")

    async def fill(self, replica: Replica, versions: dict[UUID, int]) -> None:
        for t in self._tables:
            await self._copy(f"stage_{t.name}", t.columns, replica.rows(t))
        await self._copy("stage_positions", ("stream_id", "version"), versions.items())
        for name in [*(f"stage_{t.name}" for t in self._tables), "stage_positions"]:
            await self._conn.execute(f"ANALYZE pg_temp.{_q(name)}")

    async def refresh(self, replica: Replica, progress: _Progress) -> None:
        """Restage the rows the last replay touched (inside the swap's transaction)."""
        for t in self._tables:
            keys = replica.touched(t)
            if keys:
                await self._restage(t.name, t.key, t.columns, keys, replica.rows(t, keys))
        moved = [(s,) for s in progress.moved]
        if moved:
            rows = [(s, progress.versions[s]) for (s,) in moved]
            await self._restage("positions", ("stream_id",), ("stream_id", "version"), moved, rows)

    async def _restage(
        self,
        name: str,
        key: tuple[str, ...],
        columns: tuple[str, ...],
        keys: Iterable[Row],
        rows: Iterable[Row],
    ) -> None:
        stage, stage_keys = _q(f"stage_{name}"), _q(f"stage_keys_{name}")
        await self._conn.execute(f"TRUNCATE {stage_keys}")
        await self._copy(f"stage_keys_{name}", key, keys)
        await self._conn.execute(
            f"DELETE FROM {stage} s USING {stage_keys} k WHERE {_same(key, 's', 'k')}"  # noqa: S608
        )
        await self._copy(f"stage_{name}", columns, rows)

    async def swap(self, projection: str) -> None:
        """Make the live tables and positions what the stage holds (inside the transaction)."""
        for t in self._tables:
            live, stage = f"{{s}}.{_q(t.name)}", _q(f"stage_{t.name}")
            await self._conn.execute(self._sql(_delete_missing(live, stage, t.key)))
            await self._conn.execute(self._sql(_upsert(live, stage, t)))
        await self._conn.execute(
            self._sql(
                "DELETE FROM {s}.projection_positions p WHERE p.projection = $1 AND NOT EXISTS"
                " (SELECT FROM stage_positions s WHERE s.stream_id = p.stream_id)"
            ),
            projection,
        )
        await self._conn.execute(
            self._sql(
                "INSERT INTO {s}.projection_positions AS p (projection, stream_id, version)"
                " SELECT $1, s.stream_id, s.version FROM stage_positions s"
                " LEFT JOIN {s}.projection_positions l"
                " ON l.projection = $1 AND l.stream_id = s.stream_id"
                " WHERE l.version IS DISTINCT FROM s.version"
                " ON CONFLICT (projection, stream_id) DO UPDATE SET version = excluded.version"
            ),
            projection,
        )

    async def _copy(self, table: str, columns: tuple[str, ...], rows: Iterable[Row]) -> None:
        source = iter(rows)
        while batch := list(itertools.islice(source, _COPY_ROWS)):
            await self._conn.copy_records_to_table(
                table, records=batch, columns=list(columns), schema_name="pg_temp"
            )


def _same(columns: Sequence[str], left: str, right: str) -> str:
    return " AND ".join(f"{left}.{_q(c)} = {right}.{_q(c)}" for c in columns)


def _delete_missing(live: str, stage: str, key: Sequence[str]) -> str:
    return (
        f"DELETE FROM {live} l WHERE NOT EXISTS"  # noqa: S608
        f" (SELECT FROM {stage} s WHERE {_same(key, 's', 'l')})"
    )


def _differing(live: str, stage: str, t: Table) -> str:
    """The staged rows that are not in the live table as they are: one hash join, where an
    upsert of every row would probe the live table's index once per row."""
    differ = " OR ".join(
        [f"l.{_q(t.key[0])} IS NULL"]
        + (
            [f"({_cols('l', t.values)}) IS DISTINCT FROM ({_cols('s', t.values)})"]
            if t.values
            else []
        )
    )
    return (
        f"SELECT {_cols('s', t.columns)} FROM {stage} s"  # noqa: S608
        f" LEFT JOIN {live} l ON {_same(t.key, 's', 'l')} WHERE {differ}"
    )


def _cols(alias: str, columns: Sequence[str]) -> str:
    return ", ".join(f"{alias}.{_q(c)}" for c in columns)


def _upsert(live: str, stage: str, t: Table) -> str:
    head = (
        f"INSERT INTO {live} AS l ({', '.join(map(_q, t.columns))})"  # noqa: S608
        f" {_differing(live, stage, t)} ON CONFLICT ({', '.join(map(_q, t.key))})"
    )
    if not t.values:
        return head + " DO NOTHING"
    sets = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in t.values)
    return f"{head} DO UPDATE SET {sets}"
