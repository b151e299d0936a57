"""Importing the province's permit register, on a fake of the import's own port: good rows in,
bad rows reported by row and column without their values, a row whole or not at all, nothing
twice, the API's headcount rule, and only within the caller's scope."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from importlib.resources import files
from uuid import UUID

import pytest

from lmis_permits.application.import_template import PERMIT_TEMPLATE, nationality
from lmis_permits.application.imports import PermitImports, import_file_id
from lmis_permits.bootstrap import PERMITS_GRANTS
from lmis_permits.domain import employers as emp
from lmis_permits.domain import foreign_workers as fw
from lmis_permits.domain.employers import Employer, RegisterEmployer
from lmis_permits.domain.headcount import Headcount
from lmis_permits.domain.rules import PermitRules
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.commands import Change, CommandContext, EventStoreStreams
from lmis_shared.contracts.permits import EmploymentEnded, PermitIssued, PositionType
from lmis_shared.errors import Forbidden
from lmis_shared.eventstore import InMemoryEventStore
from lmis_shared.imports import ImportSummary, read_table
from tests.unit.import_files import csv_bytes, xlsx_bytes

NOW = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
DUC_HOA_FIRM, BEN_LUC_FIRM = "1101234567", "1100987654"
PROVINCE = Principal("officer-1", Role.PROVINCE_OFFICER, "80")
SAMPLE = files("lmis_permits").joinpath("data", "import", "sample_permits.csv")
HEADINGS = [c.heading for c in PERMIT_TEMPLATE.columns]
KIM = {
    "Mã số thuế doanh nghiệp": DUC_HOA_FIRM,
    "Họ và tên (theo hộ chiếu)": "KIM MIN JUN",
    "Quốc tịch": "Hàn Quốc",
    "Số hộ chiếu": "M12345678",
    "Ngày sinh": "21/07/1985",
    "Giới tính": "Nam",
    "Vị trí công việc": "Chuyên gia",
    "Ngày bắt đầu làm việc": "10/01/2025",
    "Số giấy phép lao động": "LA-2025-000101",
    "Ngày cấp giấy phép": "01/02/2025",
    "Ngày hết hạn giấy phép": "31/01/2027",
}


def employer(tax_code: str, commune_code: str) -> Employer:
    command = RegisterEmployer(
        tax_code=tax_code,
        name="Công ty TNHH Điện tử Hòa Bình",
        address="Lô B2, KCN Đức Hòa 1",
        commune_code=commune_code,
        sector="electronics",
        registered_on=date(2022, 1, 1),
    )
    stream_id = emp.employer_stream_id(tax_code)
    return emp.AGGREGATE.fold_more(None, stream_id, emp.decide(None, command, TODAY))


class FakeStore:
    """The `PermitImportStore` port in memory: employers, approved places, and the files'
    streams on the in-memory store, with itself as their read model (`saved`)."""

    def __init__(self, approved: int = 10) -> None:
        self.employers = {
            DUC_HOA_FIRM: employer(DUC_HOA_FIRM, "27937"),
            BEN_LUC_FIRM: employer(BEN_LUC_FIRM, "27991"),
        }
        self.approved = approved
        self.saved: dict[UUID, Change[fw.ForeignWorkerFile]] = {}
        self.streams = EventStoreStreams(InMemoryEventStore(), self)

    def file_id(self, passport_number: str, tax_code: str, engaged_on: date) -> UUID:
        return import_file_id(b"unit-test-key", passport_number, tax_code, engaged_on)

    async def existing(self, file_ids: Sequence[UUID]) -> dict[UUID, UUID]:
        return {i: self.saved[i].context.correlation_id for i in file_ids if i in self.saved}

    async def employer(self, tax_code: str) -> Employer | None:
        return self.employers.get(tax_code)

    async def headcount(self, tax_code: str, position: PositionType, on: date) -> Headcount:
        engaged = sum(
            1
            for f in self.files()
            if (f.employer_tax_code, f.position) == (tax_code, position)
            and f.engaged_on <= on
            and (f.employment_end is None or f.employment_end.ended_on >= on)
        )
        return Headcount(position, self.approved, engaged)

    async def guard(self, connection: None, change: Change[fw.ForeignWorkerFile]) -> None:
        return None

    async def apply(self, connection: None, change: Change[fw.ForeignWorkerFile]) -> None:
        self.saved[change.stream_id] = change

    def files(self) -> list[fw.ForeignWorkerFile]:
        return [c.after for c in self.saved.values()]


def importer(store: FakeStore, batch_size: int = 500) -> PermitImports:
    return PermitImports(
        store,
        FixedClock(NOW),
        Authorizer(PERMITS_GRANTS),
        PermitRules(),
        batch_size=batch_size,
    )


def ctx(principal: Principal = PROVINCE, correlation_id: UUID | None = None) -> CommandContext:
    return CommandContext(principal, correlation_id or uuid.uuid4())


async def run(
    data: bytes, store: FakeStore, context: CommandContext | None = None
) -> ImportSummary:
    table = read_table(data, PERMIT_TEMPLATE)
    return await importer(store).run(table, context or ctx())


def one_row(**cells: str) -> bytes:
    row = KIM | cells
    return csv_bytes([list(row), list(row.values())])


def reasons(summary: ImportSummary) -> set[tuple[int, str]]:
    return {(e.row_number, e.column) for e in summary.errors}


async def test_the_sample_register_imports_its_good_rows_and_reports_each_bad_one() -> None:
    store = FakeStore()
    summary = await run(SAMPLE.read_bytes(), store)
    assert (summary.rows, summary.imported, summary.rejected) == (22, 14, 8)
    assert reasons(summary) == {
        (16, "Mã số thuế doanh nghiệp"),  # no such employer
        (17, "Số hộ chiếu"),  # not a passport number
        (18, "Quốc tịch"),  # a Vietnamese citizen
        (19, "Ngày hết hạn giấy phép"),  # more than 2 years after issue
        (20, "Căn cứ miễn giấy phép"),  # a permit and an exemption
        (21, "Ngày sinh"),  # 31 February
        (21, "Giới tính"),
        (22, "Số hộ chiếu"),  # repeats row 3
        (23, "Ngày sinh"),  # under 18
    }
    assert len(store.saved) == 14


async def test_no_error_quotes_a_cell_of_the_file() -> None:
    data = SAMPLE.read_bytes()
    summary = await run(data, FakeStore())
    cells = {c for r in csv.reader(io.StringIO(data.decode())) for c in r[1:-1] if len(c) > 3}
    for error in summary.errors:
        assert not [c for c in cells if c in error.reason], error


async def test_a_workbook_imports_as_its_csv_does() -> None:
    rows = list(csv.reader(io.StringIO(SAMPLE.read_text("utf-8"))))
    from_csv = await run(SAMPLE.read_bytes(), FakeStore())
    from_xlsx = await run(xlsx_bytes(rows), FakeStore())
    assert from_xlsx.as_json() == from_csv.as_json()


async def test_importing_the_same_file_again_imports_nothing() -> None:
    store = FakeStore()
    first = await run(SAMPLE.read_bytes(), store)
    saved = dict(store.saved)
    again = await run(SAMPLE.read_bytes(), store)
    assert (again.imported, again.skipped) == (0, first.imported)
    assert store.saved == saved
    assert reasons(again) == reasons(first)


async def test_a_row_is_recognised_on_rerun_whatever_its_spelling() -> None:
    store = FakeStore()
    await run(one_row(), store)
    respelt = one_row(**{"Số hộ chiếu": "m 1234 5678", "Ngày bắt đầu làm việc": "2025-01-10"})
    assert (await run(respelt, store)).skipped == 1


async def test_a_row_whose_permit_is_refused_opens_no_file() -> None:
    store = FakeStore()
    summary = await run(one_row(**{"Ngày hết hạn giấy phép": "01/03/2027"}), store)
    assert reasons(summary) == {(2, "Ngày hết hạn giấy phép")}
    assert store.saved == {}


async def test_a_row_becomes_the_events_the_api_would_decide() -> None:
    store = FakeStore()
    ended = {"Ngày chấm dứt làm việc": "30/06/2026", "Lý do chấm dứt": "Xuất cảnh"}
    assert (await run(one_row(**ended), store)).imported == 1
    [change] = store.saved.values()
    kinds = [type(e.payload).__name__ for e in change.events]
    assert kinds == ["ForeignWorkerRegistered", "PermitIssued", "EmploymentEnded"]
    assert isinstance(change.events[1].payload, PermitIssued)
    assert isinstance(change.events[2].payload, EmploymentEnded)
    file = store.files()[0]
    assert (file.status, file.nationality, file.commune_code) == (
        fw.FileStatus.ended,
        "KR",
        "27937",
    )
    assert (change.expected_version, change.before) == (0, None)  # re-checks the headcount


async def test_rows_beyond_the_approved_demand_are_refused_counting_rows_above() -> None:
    store = FakeStore(approved=1)
    second = KIM | {"Số hộ chiếu": "M99999999", "Số giấy phép lao động": "LA-2025-000102"}
    summary = await run(csv_bytes([list(KIM), list(KIM.values()), list(second.values())]), store)
    assert summary.imported == 1
    assert reasons(summary) == {(3, "Vị trí công việc")}


async def test_a_row_repeated_by_a_later_chunk_of_the_same_import_is_a_mistake() -> None:
    store = FakeStore()
    same_import = uuid.uuid4()
    await run(one_row(), store, ctx(correlation_id=same_import))
    summary = await run(one_row(), store, ctx(correlation_id=same_import))
    assert (summary.skipped, reasons(summary)) == (0, {(2, "Số hộ chiếu")})


async def test_an_officer_imports_only_employers_of_their_province() -> None:
    store = FakeStore()
    elsewhere = Principal("officer-2", Role.PROVINCE_OFFICER, "01")
    summary = await run(SAMPLE.read_bytes(), store, ctx(elsewhere))
    assert summary.imported == 0
    assert store.saved == {}
    assert (2, "Mã số thuế doanh nghiệp") in reasons(summary)


async def test_a_role_that_cannot_write_permits_cannot_import() -> None:
    commune = Principal("officer-3", Role.COMMUNE_OFFICER, "27937")
    with pytest.raises(Forbidden):
        await run(one_row(), FakeStore(), ctx(commune))


def test_nationality_may_be_written_as_a_code_or_a_name() -> None:
    assert [nationality(t) for t in ("kr", "Hàn Quốc", "han quoc", "Japan", "XX")] == [
        "KR",
        "KR",
        "KR",
        "JP",
        "XX",
    ]
