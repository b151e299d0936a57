"""Worker processes that prepare an import's rows for PostgreSQL (the application's
`PreparedImports` port): each batch of rows is validated, decided, folded, sealed and written
as COPY data in a worker (all four kinds as binary COPY rows: events and data keys,
`copy_rows.py`; list rows, `worker_list.row_line`; open-file claims, `bulk_files.claim_line`;
"lines" in these names is older than the binary form), and the service's process only looks
the batch up and COPYs it (`PostgresBulkFiles.save_prepared`).

A worker hands back per row its citizen ID, file id, whether it opens a file, where its
lines are, and its state only when the import asks (`keep_files`: the population register is
asked about the files after); and the batch's lines (events, data keys, list rows, open-file
claims) joined as they are written (`import_lines.py`). Pickling planned files (models) back
cost 50 µs a row (measured).

The workers are started with `spawn` (the service has threads; a fork would copy their
locks), on the first import, and stopped with the service (`close`). They run niced
(`WORKER_NICENESS`), as many as the cores: they take the CPU the service's process and the
database leave, so an import does not slow the service's answers, and one computes while the
other hands its batch over. Each gets the lookup key and the master key wrapper once, at its
start, over the pipe between the two processes of the service: both stay in the service's
memory, as in its own process.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import accumulate, pairwise
from typing import Any, NamedTuple
from uuid import UUID

from pydantic_core import to_json

from lmis_registry.adapters import open_files, worker_list
from lmis_registry.adapters.bulk_files import PostgresBulkFiles, claim_line
from lmis_registry.adapters.import_lines import BatchLines, RowLines, batch_lines
from lmis_registry.application.import_files import import_file_id
from lmis_registry.application.import_prepared import Prepared, PreparedFile, PreparingJob
from lmis_registry.application.import_rows import STREAM_TYPE, PlannedFile, RowPlanner
from lmis_registry.application.import_template import WORKER_TEMPLATE
from lmis_registry.application.imports import FOLLOW_UPS
from lmis_registry.settings import RegistrySettings
from lmis_shared.auth import Authorizer
from lmis_shared.cores import usable_cores
from lmis_shared.events import spelled_uuid
from lmis_shared.eventstore import AppendContext
from lmis_shared.eventstore.copy_rows import (
    context_fields,
    event_row,
    key_rows,
    new_event_id_bytes,
)
from lmis_shared.imports import Row, RowRejected, Table
from lmis_shared.imports.heap import YOUNG_THRESHOLD
from lmis_shared.privacy.keys import KeyWrapper
from lmis_shared.privacy.keystore import InMemoryKeyStore
from lmis_shared.privacy.personal import PersonalData
from lmis_shared.processing.copy_binary import text_field

MAX_DEFAULT_PROCESSES = 4
WORKER_NICENESS = 10
"""How much lower a worker's priority is than the service's process. An XLSX import of
100,000 rows on two cores (alternating runs, bench/import_workers.py): one worker at the
service's priority 4.9-5.1 s (it waits 20-40 ms a batch while the service's process reads
the file and hands the batch over); two at its priority 5.0-5.1 (they slow the reading the
saves wait for); two niced by 10, 4.75-4.86."""


class ImportedEvent(NamedTuple):
    """A row's event as the worker seals it: the store's `PlannedEvent` but for its id (made
    as bytes, `copy_rows.new_event_id_bytes`: the row is all it is written in)."""

    event_type: str
    stream_id: UUID
    stream_type: str
    version: int
    data: dict[str, Any]
    context: AppendContext


@dataclass(frozen=True)
class WorkerSetup:
    """What each worker gets once, at its start."""

    lookup_secret: bytes
    wrapper: KeyWrapper | None
    authorizer: Authorizer


_made = tuple.__new__
"""Named tuples made as tuples, the worker making several a row (a named tuple's own
`__new__` is Python: 0.21 µs against 0.12, measured)."""

Raw = tuple[str, bytes, bool, int, Any]
"""A prepared row as a worker hands it back: citizen ID, file id's bytes, opens a file, its
row in the batch's lines (-1: none, its file is stored already), its state (or None)."""

NOT_STORED = -1


class Preparer:
    """The work of one worker process: batches of rows, as the service would plan them."""

    def __init__(self, setup: WorkerSetup) -> None:
        self._setup = setup
        self._citizen_key = open_files.CitizenKeys(setup.lookup_secret)
        self._keys: dict[str, str] = {}
        """The citizen keys of the batch being prepared (its file ids', then its claims')."""
        wrapper = setup.wrapper
        # seal_new_subjects makes the keys itself: the key store is never asked
        self._personal = None if wrapper is None else PersonalData(InMemoryKeyStore(), wrapper)

    def file_id(self, citizen_id: str, registered_on: Any) -> UUID:
        """The row's file id, its citizen's key kept for the batch's claims (a dict emptied
        each batch, not a bounded `lru_cache`: a key kept and read 0.10 µs against 0.16,
        measured), the id spelled at once (its lines write it five times)."""
        key = self._keys[citizen_id] = self._citizen_key(citizen_id)
        return import_file_id(key, registered_on, spelled_uuid)

    def prepare(
        self,
        job: PreparingJob,
        rows: Sequence[tuple[int, Mapping[str, str]]],
        stored_already: frozenset[bytes] = frozenset(),
    ) -> tuple[list[Raw | list[Any]], BatchLines]:
        """The rows planned and, but for the files in `stored_already` (ids' bytes: they
        will be skipped, a stream never goes away), sealed and written as lines."""
        table = Table(WORKER_TEMPLATE, job.headings, [])
        self._keys.clear()
        planner = RowPlanner(
            table, job.principal, job.today, self._setup.authorizer, self.file_id, FOLLOW_UPS
        )
        outcomes: list[PlannedFile | list[Any]] = []
        for row in rows:
            try:
                outcomes.append(planner.plan_row(_made(Row, row)))
            except RowRejected as rejected:
                outcomes.append(rejected.errors)
        planned = [p for p in outcomes if isinstance(p, PlannedFile)]
        ids = [p.after.id.int.to_bytes(16) for p in planned]  # `UUID.bytes`, without its Python
        new = [p for p, i in zip(planned, ids, strict=True) if i not in stored_already]
        lines = self._stored(new, job)
        keep, numbers = job.keep_files, iter(range(len(new)))
        raws = iter(
            [
                (
                    p.citizen_id,
                    i,
                    p.after.is_open,
                    next(numbers) if i not in stored_already else NOT_STORED,
                    p.after if keep else None,
                )
                for p, i in zip(planned, ids, strict=True)
            ]
        )
        return [o if isinstance(o, list) else next(raws) for o in outcomes], lines

    def _stored(self, planned: list[PlannedFile], job: PreparingJob) -> BatchLines:
        """The files' lines, as `PostgresBulkFiles.save_new` and `copy_new_events` would
        write their rows (numbered from version 1, sealed per person)."""
        counts = [len(p.events) for p in planned]
        # `model_dump(mode="json")` without its Python wrapper: the model's own serializer,
        # with the same (default) options (1.4 µs an event against 1.85, measured)
        events = [
            _made(
                ImportedEvent,
                (
                    e.event_type,
                    p.after.id,
                    STREAM_TYPE,
                    version,
                    e.__pydantic_serializer__.to_python(e, mode="json"),
                    job.context,
                ),
            )
            for p in planned
            for version, e in enumerate(p.events, start=1)
        ]
        keys: dict[int, bytes] = {}
        datas = [e.data for e in events]
        if self._personal is not None and events:
            datas, made = self._personal.seal_new_streams(events)
            keys = key_rows(made, self._personal.wrapper.key_id)
        ids, shared, types = iter(new_event_id_bytes(len(events))), context_fields(job.context), {}
        for e in events:
            if e.event_type not in types:  # a few types, each written once a row
                types[e.event_type] = text_field(e.event_type)
        stream_type = text_field(STREAM_TYPE)
        rows = [
            event_row(
                next(ids),
                types[e.event_type],
                e.stream_id.int.to_bytes(16),  # `UUID.bytes`, without its Python
                stream_type,
                e.version,
                to_json(data),
                shared,
            )
            for e, data in zip(events, datas, strict=True)
        ]
        key = self._keys.__getitem__
        return batch_lines(
            by_row(rows, counts),
            [keys.get(p.after.id.int, b"") for p in planned],
            [worker_list.row_line(p.after) for p in planned],
            [
                claim_line(key(p.citizen_id), p.after.id)
                if open_files.holds_claim(p.after)
                else b""
                for p in planned
            ],
            [p.after.id.int for p in planned],
            [p.after.registered_on for p in planned],
        )


def by_row(rows: list[bytes], counts: list[int]) -> list[bytes]:
    """The event rows joined per row of the file, `counts[i]` rows for row i. By row, not by
    file id: a row repeating an earlier row's file (refused in the service's process, in the
    file's order) must not carry the earlier row's events."""
    if all(count == 1 for count in counts):  # one event a row: no joins
        return rows
    starts = list(accumulate(counts, initial=0))
    return [b"".join(rows[start:end]) for start, end in pairwise(starts)]


_preparer: Preparer | None = None
"""The worker process's own (set by `_start`)."""


def _start(setup: WorkerSetup) -> None:
    global _preparer  # one per worker process
    _preparer = Preparer(setup)
    os.nice(WORKER_NICENESS)
    # the worker's garbage dies young and makes no cycles (see `imports/heap.py`)
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    gc.freeze()


def _ready() -> bool:
    return _preparer is not None


def _prepare(
    job: PreparingJob,
    rows: Sequence[tuple[int, Mapping[str, str]]],
    stored_already: frozenset[bytes],
) -> tuple[list[Any], BatchLines]:
    if _preparer is None:
        raise RuntimeError("the import worker was not started")
    return _preparer.prepare(job, rows, stored_already)


class ImportPool:
    """Implements the application's `PreparedImports` port on worker processes."""

    def __init__(self, bulk: PostgresBulkFiles, processes: int, setup: WorkerSetup) -> None:
        self._bulk = bulk
        self._processes = processes
        self._setup = setup
        self._executor: ProcessPoolExecutor | None = None

    @property
    def window(self) -> int:
        return self._processes + 1

    def _started(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self._processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=(self._setup,),
            )
        return self._executor

    async def start(self) -> None:
        """Start the workers now rather than at the first import (each imports the service's
        code, a second or so), and wait until they are up."""
        executor, loop = self._started(), asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(executor, _ready) for _ in range(self._processes))
        )

    async def prepare(
        self, job: PreparingJob, rows: Sequence[Row], stored: Collection[UUID]
    ) -> list[Prepared]:
        numbered = [(r.number, r.values) for r in rows]
        already = frozenset(i.bytes for i in stored)
        loop, executor = asyncio.get_running_loop(), self._started()
        try:
            raw, lines = await loop.run_in_executor(executor, _prepare, job, numbered, already)
        except BrokenProcessPool:  # a worker died (killed, out of memory): this import fails,
            if self._executor is executor:  # the next one starts new workers
                self._executor = None
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        # tuples made as tuples (`tuple.__new__`: a named tuple's own `__new__` is Python)
        made = tuple.__new__
        return [
            o
            if isinstance(o, list)
            else made(
                PreparedFile,
                (
                    row,
                    o[0],
                    UUID(bytes=o[1]),
                    o[2],
                    None if o[3] == NOT_STORED else made(RowLines, (lines, o[3])),
                    o[4],
                ),
            )
            for row, o in zip(rows, raw, strict=True)
        ]

    async def save_prepared(self, files: Sequence[PreparedFile]) -> None:
        if any(f.stored is None for f in files):
            raise RuntimeError("a file found stored already came to be saved")
        await self._bulk.save_prepared(files)

    async def aclose(self) -> None:
        """Stop the workers (an import still running fails: the service is stopping)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)


def import_pool_of(
    bulk: PostgresBulkFiles, settings: RegistrySettings, setup: WorkerSetup
) -> ImportPool | None:
    """The pool `settings.import_processes` asks for (None when it asks for none)."""
    processes = settings.import_processes
    if processes is None:  # the cores this process may use (a pod's limit), not the machine's
        processes = min(MAX_DEFAULT_PROCESSES, usable_cores())
    return ImportPool(bulk, processes, setup) if processes > 0 else None
