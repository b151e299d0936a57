"""A rebuild's replay into its replica, whole or split by stream across processes.

`replay_into` applies the stores' events below a bound to a `Replica`, chunk by chunk, keeping
per stream only events above the version already applied, as `Projection._apply_new` does.

`replay_split` does the same with the streams split in `parts` by ranges of their ids: this
process replays part 0 (the lowest ids) while `parts - 1` spawned processes replay the others,
each into a replica of its own, which they hand back exported (`Replica.export`) and this one
absorbs (`Replica.absorb`) in the order of their ids. A stream's events are all in one part, so
each part's replica is what the whole replay would have made of those streams: the counts of
the parts add up, the rows kept per stream do not overlap, and the positions are the union.
Every part reads the store to the bound (along its global-order index, keeping its own
streams' rows: `replay.chunk_statement`), so all end at the same position. Typing and counting
take most of a replay's time, and they spread over the cores. The processes start before the
replay does, while this one holds little to copy.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import time
from collections.abc import Awaitable, Callable, Container, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import chain
from uuid import UUID

import asyncpg
from asyncpg.pgproto.pgproto import UUID as _RecordUUID

from lmis_shared.cores import usable_cores
from lmis_shared.processing.copy_binary import HEADER, TRAILER
from lmis_shared.processing.positions_encoded import EncodedPositions, encode_positions
from lmis_shared.processing.replay import WHOLE, Part, Position, Replayed, replay
from lmis_shared.processing.staging import Replica

Hook = Callable[[], Awaitable[None]]

MAX_PARTS = 4
"""Each part reads through the whole store (keeping its streams' rows), and the server's reading
grows with the parts: a cap, not a measured optimum (the machine measured on has 2 cores)."""


def parts_for_this_machine() -> int:
    """One part per core this process may use (a pod's CPU limit, not its node's cores), up
    to `MAX_PARTS`."""
    return min(usable_cores(), MAX_PARTS)


@dataclass
class Progress:
    """Where the replay stands: per store the position read to, per stream the version."""

    read_to: dict[str, Position]
    versions: dict[UUID, int] = field(default_factory=dict)
    """Per stream its version; after a split replay, of this process's part and of the other
    parts' streams read since (their other versions are in their `encoded` positions: copying
    them in took a third of a second of the swap's process at a million streams, measured)."""
    moved: set[UUID] = field(default_factory=set)
    applied: int = 0
    encoded: list[EncodedPositions] = field(default_factory=list)
    """The positions of a split replay's parts, encoded by each part (in their ids' order)."""
    seen_since: set[UUID] = field(default_factory=set)
    """The streams read since the parts' positions were encoded: theirs may have moved."""

    def kept(self, events: Sequence[Replayed], seen: dict[UUID, int]) -> list[Replayed]:
        """The events above their stream's version; then every stream moves to the last
        version `seen` in the chunk, events of types the projection does not apply included,
        as the live projection's positions do (else the next live event looks like a gap)."""
        versions, moved = self.versions, self.moved
        if self.encoded:
            self._recall(seen)
        new = []
        for e in events:
            if e.version > versions.get(e.stream_id, 0):
                versions[e.stream_id] = e.version
                moved.add(e.stream_id)
                new.append(e)
        for stream_id, version in seen.items():
            if version > versions.get(stream_id, 0):
                versions[stream_id] = version
                moved.add(stream_id)
        if self.encoded:
            self.seen_since.update(seen)
        return new

    def _recall(self, streams: Iterable[UUID]) -> None:
        """The versions of the other parts' `streams` come again, from their positions."""
        versions = self.versions
        for stream_id in streams:
            if stream_id not in versions:
                raw = stream_id.bytes
                for part in self.encoded:
                    version = part.version(raw)
                    if version is not None:
                        versions[stream_id] = version
                        break

    def positions_encoded(self, projection: str) -> Iterable[bytes | memoryview] | None:
        """`projection`'s positions (`positions_encoded.POSITION_COLUMNS`) as binary COPY
        data, if the parts encoded theirs (those read since are encoded here), else None."""
        if not self.encoded:
            return None
        since, versions = self.seen_since, self.versions
        ids = sorted(i.bytes for i in since)
        own = encode_positions(projection, ((i, versions[i]) for i in sorted(since)))
        return chain((HEADER, own.data), *(part.without(ids) for part in self.encoded), (TRAILER,))


async def replay_into(
    pool: asyncpg.Pool,
    replica: Replica,
    progress: Progress,
    handled: Container[str],
    bound: int,
    chunk: int,
    between_chunks: Hook | None = None,
    part: Part = WHOLE,
) -> None:
    for source, after in progress.read_to.items():
        chunks = replay(pool, source, handled, after, bound, chunk, part, replica.context)
        async for read_to, events, seen in chunks:
            new = progress.kept(events, seen)
            await replica.apply(new)
            progress.applied += len(new)
            progress.read_to[source] = read_to
            if between_chunks is not None:
                await between_chunks()


async def replay_split(
    pool: asyncpg.Pool,
    dsn: str,
    replica: Replica,
    progress: Progress,
    handled: Container[str],
    bound: int,
    chunk: int,
    parts: int,
    between_chunks: Hook | None = None,
    projection: str = "",
) -> float:
    """`replay_into` over `parts` processes (this one and `parts - 1` spawned, which connect
    to `dsn`); `progress` and `replica` end as the whole replay would leave them, but that
    the other parts' versions are only in their positions of `projection`, encoded
    (`Progress.versions`, `Progress.positions_encoded`). Returns the CPU seconds the spawned
    processes took."""
    sources = tuple(progress.read_to)
    jobs = [
        _Job(dsn, sources, handled, type(replica), bound, chunk, (k, parts), projection)
        for k in range(1, parts)
    ]
    executor = ProcessPoolExecutor(len(jobs), mp_context=_context())
    try:
        loop = asyncio.get_running_loop()
        running = [loop.run_in_executor(executor, _run_part, job) for job in jobs]
        await replay_into(
            pool, replica, progress, handled, bound, chunk, between_chunks, (0, parts)
        )
        # while the other parts finish and export theirs
        replica.prepare()
        own = EncodedPositions.of(projection, progress.versions)
        results = await asyncio.gather(*running)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    progress.encoded = [own, *(result.positions for result in results)]
    for result in results:
        for source, position in result.read_to.items():
            progress.read_to[source] = max(progress.read_to[source], position)
        progress.applied += result.applied
        replica.absorb(result.exported)
    return sum(result.cpu_seconds for result in results)


def uuids(ids: bytes) -> list[UUID]:
    """Ids packed in one bytes object (16 bytes each) back, as the type asyncpg gives (it
    hashes and compares as a UUID)."""
    return [_RecordUUID(ids[i : i + 16]) for i in range(0, len(ids), 16)]


@dataclass(frozen=True)
class _Job:
    dsn: str
    sources: tuple[str, ...]
    handled: Container[str]
    """Pickled to the other processes (a frozenset, a set)."""
    replica_class: type[Replica]
    """Made with no arguments, in the spawned process."""
    bound: int
    chunk: int
    part: Part
    projection: str


@dataclass(frozen=True)
class _PartDone:
    read_to: dict[str, Position]
    positions: EncodedPositions
    applied: int
    exported: object
    cpu_seconds: float


def _context() -> multiprocessing.context.BaseContext:
    """Forked where the system can: a spawned process imports the services' modules again,
    measured at 2 to 3 s of CPU each. The forked one leaves this process's event loop and
    connections alone (`_run_part`)."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


def _run_part(job: _Job) -> _PartDone:
    gc.disable()  # as in the rebuild's own process: `rebuilding._no_cyclic_gc`
    # forked from inside the parent's running loop: that loop is not this process's to run
    asyncio.events._set_running_loop(None)
    return asyncio.run(_replay_part(job))


async def _replay_part(job: _Job) -> _PartDone:
    replica = job.replica_class()
    progress = Progress({source: (0, 0) for source in job.sources})
    pool = await asyncpg.create_pool(job.dsn, min_size=2, max_size=2)
    try:
        await replay_into(pool, replica, progress, job.handled, job.bound, job.chunk, part=job.part)
    finally:
        await pool.close()
    return _PartDone(
        progress.read_to,
        EncodedPositions.of(job.projection, progress.versions),
        progress.applied,
        replica.export(),
        time.process_time(),
    )
