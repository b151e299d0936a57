"""An import prepared ahead (as worker processes prepare it) looks for stored files and open
files only while a look finds something; what a look it skipped would have found, the save's
keys find, and the rows come out as if every look had been taken."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from uuid import UUID

from lmis_registry.adapters.bulk_memory import InMemoryBulkFiles
from lmis_registry.application.import_files import ImportedFile
from lmis_registry.application.import_prepared import Prepared, PreparedFile, PreparingJob
from lmis_registry.application.import_rows import OPEN_FILE, STREAM_TYPE, PlannedFile, RowPlanner
from lmis_registry.application.import_template import WORKER_TEMPLATE
from lmis_registry.application.imports import WorkerImports
from lmis_registry.domain import workers as w
from lmis_shared.auth import Authorizer
from lmis_shared.clock import FixedClock
from lmis_shared.commands import Change
from lmis_shared.events import NewEvent
from lmis_shared.imports import Row, RowRejected, Table, build_command
from tests.unit.test_import_workers import GIANG, NOW, ctx, table_of, worker_files

BATCH = 2


class Looking(InMemoryBulkFiles):
    """The in-memory files, counting the looks."""

    def __init__(self) -> None:
        super().__init__()
        self.looks: list[str] = []

    async def existing(self, file_ids: Sequence[UUID]) -> dict[UUID, ImportedFile]:
        self.looks.append("files")
        return await super().existing(file_ids)

    async def open_file_holders(self, citizen_ids: Sequence[str]) -> dict[str, str | None]:
        self.looks.append("claims")
        return await super().open_file_holders(citizen_ids)


class InProcess:
    """The `PreparedImports` port in this process: rows planned as a worker process plans
    them; a prepared file's `stored` is its planned file, saved through the in-memory files."""

    window = 2

    def __init__(self, bulk: InMemoryBulkFiles) -> None:
        self.bulk = bulk
        self.made_ready: list[int] = []
        """The rows made ready to save (sealed, in a worker process)."""
        self._job: PreparingJob | None = None

    async def prepare(
        self, job: PreparingJob, rows: Sequence[Row], stored: Collection[UUID]
    ) -> list[Prepared]:
        self._job = job
        table = Table(WORKER_TEMPLATE, job.headings, [])
        planner = RowPlanner(table, job.principal, job.today, Authorizer(), self.bulk.file_id)
        prepared: list[Prepared] = []
        for row in rows:
            try:
                p = planner.plan_row(row)
            except RowRejected as rejected:
                prepared.append(rejected.errors)
                continue
            if p.file_id not in stored:
                self.made_ready.append(row.number)
            prepared.append(PreparedFile(row, p.citizen_id, p.file_id, p.is_open, p, p.after))
        return prepared

    async def save_prepared(self, files: Sequence[PreparedFile]) -> None:
        assert self._job is not None
        planned = [f.stored for f in files if isinstance(f.stored, PlannedFile)]
        await self.bulk.save_new(
            [
                Change(
                    stream_id=p.file_id,
                    stream_type=STREAM_TYPE,
                    expected_version=0,
                    events=[NewEvent(event_id=uuid.uuid4(), payload=e) for e in p.events],
                    context=self._job.context,
                    idempotency=None,
                    before=None,
                    after=p.after,
                )
                for p in planned
            ]
        )


def importer(bulk: InMemoryBulkFiles, prepared: InProcess) -> WorkerImports:
    return WorkerImports(bulk, FixedClock(NOW), Authorizer(), batch_size=BATCH, prepared=prepared)


def people(count: int, first: int = 0) -> list[dict[str, str]]:
    return [GIANG | {"Số CCCD": f"012096{n:06d}"} for n in range(first, first + count)]


async def test_a_new_files_later_batches_are_saved_without_a_look() -> None:
    bulk = Looking()
    summary = await importer(bulk, InProcess(bulk)).run(table_of(*people(8)), ctx())
    assert (summary.imported, summary.skipped, summary.errors) == (8, 0, [])
    # the first batch is looked for (and the second, if prepared before that look ended):
    # nothing found; its save looks for claims: none found; the other batches, no look
    assert bulk.looks in (["files", "claims"], ["files", "files", "claims"])


async def test_a_rerun_finds_its_files_before_preparing_and_makes_none_ready() -> None:
    bulk = Looking()
    table = table_of(*people(6))
    await importer(bulk, InProcess(bulk)).run(table, ctx())
    bulk.looks.clear()
    again = InProcess(bulk)
    summary = await importer(bulk, again).run(table, ctx())
    assert (summary.imported, summary.skipped_rows) == (0, [2, 3, 4, 5, 6, 7])
    assert again.made_ready == []
    assert bulk.looks == ["files"] * 3  # before each batch is prepared; none at the saves


async def test_an_open_file_met_after_looks_stopped_is_refused_as_if_looked_for() -> None:
    bulk = Looking()
    rows = people(6)
    registered = table_of(rows[5] | {"Ngày đăng ký": "01/01/2025"})  # another file of row 7's
    command = build_command(registered, registered.rows[0], w.RegisterWorker)
    await worker_files(bulk).register(command, ctx())
    summary = await importer(bulk, InProcess(bulk)).run(table_of(*rows), ctx())
    assert summary.imported == 5
    assert [(e.row_number, e.field, e.reason) for e in summary.errors] == [
        (7, "citizen_id", OPEN_FILE)
    ]


async def test_a_stored_file_met_after_looks_stopped_is_skipped_as_if_looked_for() -> None:
    bulk = Looking()
    await importer(bulk, InProcess(bulk)).run(table_of(*people(1, first=5)), ctx())
    summary = await importer(bulk, InProcess(bulk)).run(table_of(*people(6)), ctx())
    assert (summary.imported, summary.skipped_rows, summary.errors) == (5, [7], [])
    assert len(bulk.files.files) == 6
