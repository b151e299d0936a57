"""Importing worker files in bulk, on fakes of our own ports: good rows in, bad rows reported,
a row whole or not at all, nothing twice, and only within the caller's scope."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from importlib.resources import files
from uuid import UUID

import pytest

from lmis_registry.adapters.bulk_memory import InMemoryBulkFiles
from lmis_registry.application.import_rows import FollowUp
from lmis_registry.application.import_template import WORKER_TEMPLATE
from lmis_registry.application.imports import WorkerImports
from lmis_registry.application.ports import WorkerPage, WorkerSearch
from lmis_registry.application.workers import WorkerFiles
from lmis_registry.domain import workers as w
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.commands import Change, CommandContext
from lmis_shared.errors import Forbidden
from lmis_shared.imports import (
    Column,
    ImportSummary,
    RowError,
    Table,
    Template,
    build_command,
    read_table,
    vietnamese_date,
)
from tests.unit.import_files import csv_bytes, xlsx_bytes

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
PROVINCE = Principal("officer-1", Role.PROVINCE_OFFICER, "12")
SAMPLE = files("lmis_registry").joinpath("data", "import", "sample_workers.csv")
HEADINGS = [c.heading for c in WORKER_TEMPLATE.columns]
GIANG = {
    "Họ và tên": "Giàng A Sử",
    "Ngày sinh": "08/07/1996",
    "Giới tính": "Nam",
    "Dân tộc": "HMông",
    "Số CCCD": "012096220871",
    "Mã xã": "03640",
    "Nhóm ưu tiên": "Dân tộc thiểu số; Hộ nghèo",
    "Ngày đăng ký": "15/03/2024",
}
TONG = GIANG | {
    "Họ và tên": "Tòng Thị Xuân",
    "Ngày sinh": "21/11/1999",
    "Giới tính": "Nữ",
    "Dân tộc": "Thái",
    "Số CCCD": "012199017734",
    "Mã xã": "03637",
}


class NoListing:
    async def search(self, query: WorkerSearch) -> WorkerPage:
        return WorkerPage([], None)


def ctx(principal: Principal = PROVINCE) -> CommandContext:
    return CommandContext(principal, uuid.uuid4())


def importer(
    bulk: InMemoryBulkFiles,
    *,
    template: Template = WORKER_TEMPLATE,
    follow_ups: Sequence[FollowUp] = (),
    batch_size: int = 1000,
) -> WorkerImports:
    return WorkerImports(
        bulk,
        FixedClock(NOW),
        Authorizer(),
        template=template,
        follow_ups=follow_ups,
        batch_size=batch_size,
    )


def worker_files(bulk: InMemoryBulkFiles) -> WorkerFiles:
    """The worker-file use cases over the files `bulk` imports."""
    return WorkerFiles(bulk.streams, NoListing(), FixedClock(NOW), Authorizer())


def table_of(*rows: dict[str, str], template_headings: Sequence[str] = HEADINGS) -> Table:
    lines = [list(template_headings)] + [[r.get(h, "") for h in template_headings] for r in rows]
    return read_table(csv_bytes(lines), WORKER_TEMPLATE)


def sample_table() -> Table:
    return read_table(SAMPLE.read_bytes(), WORKER_TEMPLATE)


def sample_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(SAMPLE.read_text(encoding="utf-8-sig"))))


async def test_the_sample_imports_its_good_rows_and_reports_every_deliberately_bad_one() -> None:
    bulk = InMemoryBulkFiles()
    summary = await importer(bulk).run(sample_table(), ctx())
    marked_bad = {n for n, r in enumerate(sample_rows(), start=2) if r["Ghi chú"]}
    assert {e.row_number for e in summary.errors} == marked_bad
    assert (summary.rows, summary.imported, summary.rejected) == (31, 20, len(marked_bad))
    assert len(bulk.files.files) == 20


async def test_no_reported_reason_or_column_repeats_a_name_or_a_citizen_id() -> None:
    summary = await importer(InMemoryBulkFiles()).run(sample_table(), ctx())
    shown = " ".join(f"{e.column} {e.reason}" for e in summary.errors)
    for row in sample_rows():
        for value in (row["Họ và tên"], row["Số CCCD"]):
            assert not value or value not in shown


async def test_running_the_same_file_again_imports_nothing_and_says_which_rows_it_skipped() -> None:
    bulk = InMemoryBulkFiles()
    first = await importer(bulk).run(sample_table(), ctx())
    events = len(await bulk.store.read_all(None))
    again = await importer(bulk).run(sample_table(), ctx())
    assert (again.imported, again.skipped, again.rejected) == (0, 20, first.rejected)
    assert again.skipped_rows == list(range(2, 22))
    assert len(await bulk.store.read_all(None)) == events


async def test_a_corrected_row_imports_on_the_next_run_and_the_others_are_skipped() -> None:
    bulk = InMemoryBulkFiles()
    wrong = TONG | {"Giới tính": "Khác"}
    await importer(bulk).run(table_of(GIANG, wrong), ctx())
    fixed = await importer(bulk).run(table_of(GIANG, TONG), ctx())
    assert (fixed.imported, fixed.skipped_rows, fixed.errors) == (1, [2], [])


async def test_the_same_records_in_an_xlsx_file_are_known_as_already_imported() -> None:
    bulk = InMemoryBulkFiles()
    await importer(bulk).run(table_of(GIANG, TONG), ctx())
    rows: list[list[object]] = [["STT", *HEADINGS]]
    rows += [[i, *(r[h] for h in HEADINGS)] for i, r in enumerate([TONG, GIANG], start=1)]
    rows[2][HEADINGS.index("Số CCCD") + 1] = 12096220871  # a number cell: its 0 is lost
    rows[2][HEADINGS.index("Ngày đăng ký") + 1] = datetime(2024, 3, 15)  # a date cell
    again = await importer(bulk).run(read_table(xlsx_bytes(rows), WORKER_TEMPLATE), ctx())
    assert (again.imported, again.skipped) == (0, 2)


async def test_a_commune_officer_imports_the_rows_of_that_commune_only() -> None:
    officer = Principal("officer-9", Role.COMMUNE_OFFICER, "03637")
    bulk = InMemoryBulkFiles()
    summary = await importer(bulk).run(table_of(GIANG, TONG), ctx(officer))
    assert summary.imported == 1
    [error] = summary.errors
    assert (error.row_number, error.column) == (2, "Mã xã")
    assert "administrative unit" in error.reason
    assert {s.commune_code for s in bulk.files.files.values()} == {"03637"}


async def test_a_role_that_may_not_write_worker_files_is_refused_the_whole_import() -> None:
    bank = Principal("bank-1", Role.BANK, "12")
    with pytest.raises(Forbidden):
        await importer(InMemoryBulkFiles()).run(table_of(GIANG), ctx(bank))


async def test_a_citizen_whose_file_is_open_is_refused_and_the_other_rows_imported() -> None:
    bulk = InMemoryBulkFiles()
    api = worker_files(bulk)
    registered = table_of(GIANG | {"Ngày đăng ký": "01/01/2025"})
    await api.register(build_command(registered, registered.rows[0], w.RegisterWorker), ctx())
    summary = await importer(bulk).run(table_of(GIANG, TONG), ctx())
    assert summary.imported == 1
    assert [(e.row_number, e.field, e.reason) for e in summary.errors] == [
        (2, "citizen_id", "the citizen already has an open worker file")
    ]


async def test_a_file_open_where_the_importer_may_not_read_is_refused_without_saying_so() -> None:
    """No oracle: a commune officer learns of another commune's file neither from an open-file
    refusal nor from a skipped row; the row is refused as `POST /v1/workers` refuses it."""
    bulk = InMemoryBulkFiles()
    await importer(bulk).run(table_of(GIANG), ctx())  # opened in commune 03640
    officer = Principal("officer-9", Role.COMMUNE_OFFICER, "03637")
    elsewhere = GIANG | {"Mã xã": "03637", "Ngày đăng ký": "01/01/2025"}
    same_file = GIANG | {"Mã xã": "03637"}  # same citizen and date: the file's own id
    refused = [(2, "citizen_id", str(w.RegistrationRefused()))]
    for row in (elsewhere, same_file):
        summary = await importer(bulk).run(table_of(row, TONG), ctx(officer))
        assert [(e.row_number, e.field, e.reason) for e in summary.errors] == refused
        assert summary.imported + summary.skipped == 1  # TONG: imported, then skipped
        assert 2 not in summary.skipped_rows
    # a caller who may read the open file is told what it is, as by the API
    seen = await importer(bulk).run(table_of(elsewhere), ctx())
    assert [e.reason for e in seen.errors] == ["the citizen already has an open worker file"]
    assert (await importer(bulk).run(table_of(same_file), ctx())).skipped_rows == [2]


async def test_a_second_row_opening_a_file_for_the_same_citizen_is_refused_naming_the_first() -> (
    None
):
    repeat = GIANG | {"Ngày đăng ký": "20/03/2024"}
    summary = await importer(InMemoryBulkFiles()).run(table_of(GIANG, TONG, repeat, GIANG), ctx())
    assert summary.imported == 2
    assert [(e.row_number, e.reason) for e in summary.errors] == [
        (4, "the citizen already has an open worker file (row 2)"),
        (5, "repeats row 2 (same citizen and registration date)"),
    ]


WITHDRAW_TEMPLATE = replace(
    WORKER_TEMPLATE,
    columns=(
        *WORKER_TEMPLATE.columns,
        Column("Lý do rút", "withdraw.reason"),
        Column("Ngày rút", "withdraw.withdrawn_on", parse=vietnamese_date),
    ),
)


async def test_a_row_is_all_its_commands_or_none() -> None:
    headings = [*HEADINGS, "Lý do rút", "Ngày rút"]
    withdrawn = GIANG | {"Lý do rút": "failed_exam", "Ngày rút": "01/06/2024"}
    too_soon = TONG | {"Lý do rút": "personal", "Ngày rút": "01/01/2099"}
    lines = [headings] + [[r.get(h, "") for h in headings] for r in (withdrawn, too_soon)]
    table = read_table(csv_bytes(lines), WITHDRAW_TEMPLATE)
    bulk = InMemoryBulkFiles()
    imports = importer(
        bulk, template=WITHDRAW_TEMPLATE, follow_ups=[FollowUp("withdraw", w.Withdraw)]
    )
    summary = await imports.run(table, ctx())
    assert [(e.row_number, e.column, e.reason) for e in summary.errors] == [
        (3, "Ngày rút", "must not be in the future")
    ]
    [only] = bulk.files.files.values()
    assert (only.person.full_name, only.status, only.version) == ("Giàng A Sử", "withdrawn", 2)


async def test_rows_are_saved_in_batches_and_progress_hears_of_every_row() -> None:
    people = [GIANG | {"Số CCCD": f"012096{n:06d}", "Họ và tên": "Giàng A Sử"} for n in range(6)]
    bad = TONG | {"Ngày sinh": "31/02/1999"}
    bulk = InMemoryBulkFiles()
    heard: list[int] = []
    summary = await importer(bulk, batch_size=3).run(table_of(*people, bad), ctx(), heard.append)
    assert (summary.imported, summary.rejected, bulk.saves) == (6, 1, 2)
    assert sum(heard) == 7


class Racing(InMemoryBulkFiles):
    """Another import saves `rival` between this import's look and its save."""

    rival: Table | None = None

    async def save_new(self, changes: Sequence[Change[w.WorkerFile]]) -> None:
        if self.rival is not None:
            rival, self.rival = self.rival, None
            await importer(self).run(rival, ctx())  # same store: the same files
        await super().save_new(changes)


async def test_a_file_saved_by_another_import_meanwhile_is_skipped_and_the_rest_saved() -> None:
    bulk = Racing()
    bulk.rival = table_of(TONG)
    summary = await importer(bulk).run(table_of(GIANG, TONG), ctx())
    assert (summary.imported, summary.skipped_rows, summary.errors) == (1, [3], [])
    assert len(bulk.files.files) == 2


class RacingLooks(InMemoryBulkFiles):
    """Another import commits `rival` while this import looks for open files."""

    rival: Table | None = None

    async def open_file_holders(self, citizen_ids: Sequence[str]) -> dict[str, str | None]:
        if self.rival is not None:
            rival, self.rival = self.rival, None
            await importer(self).run(rival, ctx())
        return await super().open_file_holders(citizen_ids)


async def test_a_file_another_import_commits_between_the_looks_is_skipped_not_refused() -> None:
    bulk = RacingLooks()
    bulk.rival = table_of(GIANG)
    summary = await importer(bulk).run(table_of(GIANG), ctx())
    assert (summary.imported, summary.skipped_rows, summary.errors) == (0, [2], [])


async def test_imported_files_are_ordinary_files_the_api_reads_with_a_derived_id() -> None:
    bulk = InMemoryBulkFiles()
    await importer(bulk).run(table_of(GIANG), ctx())
    [file_id] = bulk.files.files
    assert file_id == bulk.file_id("012096220871", datetime(2024, 3, 15).date())
    api = worker_files(bulk)
    state = await api.get(UUID(str(file_id)), PROVINCE)
    assert (state.status, state.version, state.person.full_name) == ("registered", 1, "Giàng A Sử")
    assert state.priority_groups == ("ethnic_minority", "poor_household")


def test_a_summary_counts_rejected_rows_not_errors() -> None:
    summary = ImportSummary(rows=2)
    summary.errors += [
        *(sample_error(2, f) for f in ("sex", "citizen_id")),
        sample_error(3, "sex"),
    ]
    assert summary.rejected == 2


def sample_error(row: int, field: str) -> RowError:
    return RowError(row, field, field, "is wrong")
