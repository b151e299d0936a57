"""Bulk import of existing worker files: each row becomes the API's own commands, decided by
the domain (`import_rows.py`), and the good rows are saved in batches.

Nothing is half-applied: a row is all its commands or none, and a batch is saved in one
transaction (events, open-file claims and list rows together, as a single command is).

Re-running is exact. A row's file id is derived, not drawn: uuid5 of the citizen ID's keyed
hash (the service's lookup key, as for the one-open-file rule) and the registration date,
which together identify a file whatever sheet, order or format it was read from; a file
fingerprint would not survive the province re-saving the sheet or fixing a bad row. The id
is the row's idempotency key: the new stream is appended at expected version 0, so the
events' primary key refuses a second import of that file inside the database even when two
imports race; the import looks first and reports such rows as skipped (with worker processes
only while its looks find some, `import_files.Looks`: a file it did not look for refuses the
batch's save, which looks then). No idempotency record
is written: the stream itself is the record. Hashing under the key keeps the id from
revealing the citizen ID. A file made under the import's own correlation id was made by an
earlier part of the same import (the CLI sends a file in chunks under one correlation id): that
row repeats an earlier row, a mistake in the file, not a re-run.

Planning (CPU: validating and deciding) runs batch k + 1 while earlier ones are being saved: in a
thread, or, with worker processes (`import_prepared.py`), ahead in them, sealed and serialised,
from the first batch read (`run_streamed`: while the service's process reads the rest of the
file); the saves wait until the whole file is read, and then go two batches at a time
(`import_saves.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
from functools import partial
from typing import TypeVar

from lmis_registry.application.import_ahead import PreparingAhead
from lmis_registry.application.import_files import BulkFiles, Looked, Looks
from lmis_registry.application.import_identities import ImportedIdentities
from lmis_registry.application.import_prepared import (
    Prepared,
    PreparedFile,
    PreparedImports,
    PreparingJob,
)
from lmis_registry.application.import_rows import (
    OPEN_FILE,
    STREAM_TYPE,
    FirstInFile,
    FollowUp,
    NewFile,
    PlannedFile,
    RowPlanner,
)
from lmis_registry.application.import_saves import Saves
from lmis_registry.application.import_template import WORKER_TEMPLATE
from lmis_registry.application.workers import SOURCE
from lmis_registry.domain import workers
from lmis_shared.auth import READ, WRITE, Authorizer, Principal
from lmis_shared.clock import Clock
from lmis_shared.commands import Change, CommandContext
from lmis_shared.errors import ConcurrencyConflict, Forbidden
from lmis_shared.events import NewEvent, new_event_ids
from lmis_shared.eventstore import AppendContext, WrongExpectedVersion
from lmis_shared.imports import ImportSummary, Row, RowRejected, Table, Template
from lmis_shared.imports.streamed import StreamedTable

BATCH_SIZE = 2000
"""Rows a batch (one transaction): against 1000, PostgreSQL's CPU a row fell from 28-37 µs to
24-26 and the service's from 14-15 to 13-14 (bench/import_workers.py, three pairs): fewer
commits and round trips, and twice the rows reaching each index leaf in order."""
MAX_ATTEMPTS = 5
REPEATED = "repeats an earlier row of this import (same citizen and registration date)"
REFUSED = str(workers.RegistrationRefused())
"""A row whose citizen has a file the importer may not read: refused as `POST /v1/workers`
refuses it, without saying that the file exists (nor where)."""
FOLLOW_UPS: tuple[FollowUp, ...] = ()
"""Later commands a row may carry (a contract, a departure): none yet."""

Progress = Callable[[int], None]
F = TypeVar("F", bound=NewFile)


class WorkerImports:
    def __init__(
        self,
        files: BulkFiles,
        clock: Clock,
        authorizer: Authorizer,
        *,
        template: Template = WORKER_TEMPLATE,
        follow_ups: Sequence[FollowUp] = FOLLOW_UPS,
        batch_size: int = BATCH_SIZE,
        identities: ImportedIdentities | None = None,
        prepared: PreparedImports | None = None,
    ) -> None:
        self._prepared = prepared
        """Worker processes that prepare the rows (None: planned in a thread here)."""
        self._identities = identities
        """Asks the population register about the imported files, once all are saved."""
        self._files = files
        self._clock = clock
        self._authorizer = authorizer
        self.template = template
        self._follow_ups = tuple(follow_ups)
        self.batch_size = batch_size

    async def run(
        self, table: Table, ctx: CommandContext, progress: Progress | None = None
    ) -> ImportSummary:
        """Import `table`'s rows; `progress(n)` hears of every `n` rows dealt with."""
        return await self.run_streamed(StreamedTable.of(table, self.batch_size), ctx, progress)

    async def run_streamed(
        self, reading: StreamedTable, ctx: CommandContext, progress: Progress | None = None
    ) -> ImportSummary:
        """`run` on a table still being read: with worker processes, its batches are prepared
        as they are read; nothing is saved before the last one is read (the file may still
        turn out unreadable: UnreadableFile, and nothing is imported)."""
        self.authorise(ctx.principal)
        context = ctx.append_context(SOURCE, self._clock.now())
        if self._prepared is not None:
            summary, saved = await self._run_prepared(
                self._prepared, reading, ctx, context, progress
            )
        else:
            async for _ in reading.batches():  # planned in a thread: nothing to overlap
                pass
            summary = _summary_of(reading.table)
            saved = await self._run_here(reading.table, ctx, context, summary, progress)
        if self._identities is not None and saved:  # after the rows: not on the import's path
            await self._identities.check(saved, context)
        return summary

    async def _run_here(
        self,
        table: Table,
        ctx: CommandContext,
        context: AppendContext,
        summary: ImportSummary,
        progress: Progress | None,
    ) -> list[workers.WorkerFile]:
        """Plan in a thread, batch k + 1 while batches k - 1 and k are being saved."""
        planner = RowPlanner(
            table,
            ctx.principal,
            self._clock.today(),
            self._authorizer,
            self._files.file_id,
            self._follow_ups,
        )
        looks = Looks(self._files, adaptive=False)
        save = partial(self._save, table, ctx.principal, context, summary, progress, looks=looks)
        store = partial(self._save_changes, context=context)
        saves = Saves()
        try:
            for rows in _batches(table.rows, self.batch_size):
                planned, errors = await asyncio.to_thread(planner.plan, rows)
                summary.errors += errors
                batch = partial(save, planned, store, rows=len(rows))
                await saves.start((p.citizen_id for p in planned), batch)
            return await saves.finish()
        finally:
            await saves.stop()  # planning or a save failed: stop the others

    async def _run_prepared(
        self,
        prepared: PreparedImports,
        reading: StreamedTable,
        ctx: CommandContext,
        context: AppendContext,
        progress: Progress | None,
    ) -> tuple[ImportSummary, list[workers.WorkerFile]]:
        """Rows prepared in worker processes as they are read (`import_ahead.py`), then,
        once the whole file is read, checked here in the file's order against earlier rows
        and stored files and saved two batches at a time (`import_saves.py`), while the later
        ones are prepared."""
        head = reading.head
        job = PreparingJob(
            ctx.principal,
            self._clock.today(),
            context,
            dict(head.headings),
            keep_files=self._identities is not None,
        )
        looks = Looks(self._files, adaptive=True)
        ahead = PreparingAhead(prepared.window, partial(self._prepare, prepared, looks, job))
        saves = Saves()
        try:
            async for rows in reading.batches():
                ahead.add(rows)
            table = reading.table  # read to its end: the saves may start
            summary = _summary_of(table)
            first = FirstInFile(table)
            save = partial(
                self._save, table, ctx.principal, context, summary, progress, looks=looks
            )
            while (taken := await ahead.next()) is not None:
                rows, (outcomes, looked) = taken
                ready: list[PreparedFile] = []
                for outcome in outcomes:
                    if isinstance(outcome, list):
                        summary.errors += outcome
                        continue
                    try:
                        ready.append(first.check(outcome))
                    except RowRejected as rejected:
                        summary.errors += rejected.errors
                batch = partial(save, ready, prepared.save_prepared, rows=len(rows), looked=looked)
                await saves.start((p.citizen_id for p in ready), batch)
            return summary, await saves.finish()
        finally:
            await saves.stop()
            await ahead.aclose()

    @staticmethod
    async def _prepare(
        prepared: PreparedImports, looks: Looks, job: PreparingJob, rows: list[Row]
    ) -> tuple[list[Prepared], Looked | None]:
        """The rows prepared, but for the files found stored already (a re-run's: they are
        skipped, so not sealed nor written), and what that look found, for the save's."""
        looked = await looks.before_preparing(rows)
        stored = looked.found.keys() if looked is not None else ()
        return await prepared.prepare(job, rows, stored), looked

    def authorise(self, principal: Principal) -> None:
        """The caller's role must let it write worker files somewhere (rows are checked one
        by one against their commune)."""
        if not (
            self._authorizer.allows(principal, WRITE, None, STREAM_TYPE)
            or self._authorizer.allows(principal, WRITE, principal.scope, STREAM_TYPE)
        ):
            raise Forbidden(f"role {principal.role} may not write {STREAM_TYPE} files")

    async def _save(
        self,
        table: Table,
        principal: Principal,
        context: AppendContext,
        summary: ImportSummary,
        progress: Progress | None,
        batch: list[F],
        store: Callable[[list[F]], Awaitable[None]],
        *,
        rows: int,
        looks: Looks,
        looked: Looked | None = None,
    ) -> list[workers.WorkerFile]:
        """Save the batch's new files (answered, as saved); those already there are skipped,
        those whose citizen has an open file rejected. A file saved by someone else between
        the look and the save rolls the batch back: look again, save the rest. The first
        attempt takes what the look before the batch was prepared (`looked`) found."""
        for _ in range(MAX_ATTEMPTS):
            batch = await self._still_new(table, principal, batch, summary, context, looks, looked)
            try:
                await store(batch)
            except (WrongExpectedVersion, workers.OpenFileExists):
                looks.after_conflict()
                looked = None
                continue
            summary.imported += len(batch)
            if progress:
                progress(rows)
            return [f for f in (p.after for p in batch) if f is not None]
        raise ConcurrencyConflict(None, None)

    async def _save_changes(self, batch: list[PlannedFile], context: AppendContext) -> None:
        await self._files.save_new(_changes(batch, context))

    async def _still_new(
        self,
        table: Table,
        principal: Principal,
        batch: list[F],
        summary: ImportSummary,
        context: AppendContext,
        looks: Looks,
        looked: Looked | None,
    ) -> list[F]:
        holders, existing = await looks.at_save(batch, looked)
        this_import = context.correlation_id
        ready: list[F] = []
        # may the importer see a commune's files: asked once a commune, not once a row (a
        # re-run found every row, and the authorizer's look is 2.5 µs, measured)
        visible: dict[str | None, bool] = {}
        for planned in batch:
            made = existing.get(planned.file_id) if existing else None
            if made is not None:
                seen = visible.get(made.commune_code)
                if seen is None:
                    seen = visible[made.commune_code] = self._may_see(principal, made.commune_code)
                if not seen:
                    summary.errors.append(table.error(planned.row, "citizen_id", REFUSED))
                elif made.correlation_id == this_import:
                    # a row of an earlier part (CLI chunk) of this import
                    summary.errors.append(table.error(planned.row, "citizen_id", REPEATED))
                else:
                    summary.skipped_rows.append(planned.row.number)
            elif planned.is_open and planned.citizen_id in holders:
                holder = holders[planned.citizen_id]
                reason = OPEN_FILE if self._may_see(principal, holder) else REFUSED
                summary.errors.append(table.error(planned.row, "citizen_id", reason))
            else:
                ready.append(planned)
        return ready

    def _may_see(self, principal: Principal, commune_code: str | None) -> bool:
        """Whether the importer may read a file of `commune_code`: only then is it told that
        the file exists (as `POST /v1/workers` answers `RegistrationRefused` otherwise)."""
        return commune_code is not None and self._authorizer.allows(
            principal, READ, commune_code, STREAM_TYPE
        )


def _changes(batch: list[PlannedFile], context: AppendContext) -> list[Change[workers.WorkerFile]]:
    ids = iter(new_event_ids(sum(len(p.events) for p in batch)))
    return [
        Change(
            stream_id=p.after.id,
            stream_type=STREAM_TYPE,
            expected_version=0,
            events=[NewEvent(event_id=next(ids), payload=e) for e in p.events],
            context=context,
            idempotency=None,
            before=None,
            after=p.after,
        )
        for p in batch
    ]


def _summary_of(table: Table) -> ImportSummary:
    return ImportSummary(rows=len(table.rows), unrecognised_columns=table.unrecognised)


def _batches(rows: list[Row], size: int) -> Iterator[list[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
