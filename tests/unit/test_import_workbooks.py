"""The workbooks an import hands out: the blank template and the error report."""

from __future__ import annotations

from importlib.resources import files

from lmis_registry.application.import_template import WORKER_TEMPLATE
from lmis_shared.imports import (
    REPORT_HEADINGS,
    ImportSummary,
    RowError,
    error_report_xlsx,
    read_table,
    template_xlsx,
)
from tests.unit.import_files import TEMPLATE, sheet_rows

SHIPPED = files("lmis_registry").joinpath("data", "import")


def test_the_error_report_lists_each_problem_by_row_under_vietnamese_headings() -> None:
    errors = [
        RowError(7, "Số CCCD", "citizen_id", "must be exactly 12 digits"),
        RowError(3, "Ngày sinh", "date_of_birth", "is not a date of the calendar"),
    ]
    rows = sheet_rows(error_report_xlsx(errors))
    assert rows == [
        REPORT_HEADINGS,
        (3, "Ngày sinh", "Ngày không có trên lịch"),  # the reasons in Vietnamese
        (7, "Số CCCD", "Phải gồm đúng 12 chữ số"),
    ]
    assert REPORT_HEADINGS == ("Dòng", "Cột", "Lý do")


def test_the_error_report_carries_the_counts_when_given_the_summary() -> None:
    summary = ImportSummary(rows=4, imported=2, skipped_rows=[5])
    summary.errors.append(RowError(3, "Mã xã", "commune_code", "is not a current commune code"))
    rows = sheet_rows(error_report_xlsx(summary.errors, summary), "Tổng hợp")
    assert rows[1:] == [
        ("Số dòng dữ liệu", 4),
        ("Đã nhập", 2),
        ("Bỏ qua (đã nhập trước đó)", 1),
        ("Bị từ chối", 1),
    ]


def test_the_blank_template_has_the_headings_an_example_row_and_the_notes() -> None:
    data = template_xlsx(TEMPLATE)
    [headings, example] = sheet_rows(data, TEMPLATE.sheet)[:2]
    assert headings[: len(TEMPLATE.columns)] == tuple(c.heading for c in TEMPLATE.columns)
    assert headings[len(TEMPLATE.columns) :] == ("STT", "Ghi chú")
    assert example[0] == "Lò Thị Mai"
    notes = sheet_rows(data, "Hướng dẫn")
    assert notes[0] == ("Cột", "Bắt buộc", "Ví dụ", "Hướng dẫn")
    assert [n[0] for n in notes[1 : len(TEMPLATE.columns) + 1]] == [
        c.heading for c in TEMPLATE.columns
    ]


def test_a_blank_template_reads_back_as_no_rows_its_example_skipped() -> None:
    table = read_table(template_xlsx(WORKER_TEMPLATE), WORKER_TEMPLATE)
    assert (table.rows, table.example_skipped, table.unrecognised) == ([], True, ())


def test_the_shipped_template_has_the_headings_the_import_reads() -> None:
    shipped = SHIPPED.joinpath("mau_nhap_nguoi_lao_dong.xlsx").read_bytes()
    headings = sheet_rows(shipped, WORKER_TEMPLATE.sheet)[0]
    assert headings == sheet_rows(template_xlsx(WORKER_TEMPLATE), WORKER_TEMPLATE.sheet)[0]


def test_the_shipped_sample_reads_with_its_comment_column_ignored() -> None:
    table = read_table(SHIPPED.joinpath("sample_workers.csv").read_bytes(), WORKER_TEMPLATE)
    assert len(table.rows) == 31
    assert table.unrecognised == ()
