"""Every row-error reason has a Vietnamese text in the error report, the English kept in the
API's JSON: the catalogue, and the reasons the shipped samples' deliberately bad rows raise."""

from __future__ import annotations

import pytest

from lmis_registry.adapters.bulk_memory import InMemoryBulkFiles
from lmis_shared.imports import ImportSummary, RowError
from lmis_shared.imports.reasons_vi import EXACT, UNKNOWN_PREFIX, reason_vi
from lmis_shared.imports.workbooks import error_report_xlsx
from tests.unit.import_files import sheet_rows
from tests.unit.test_import_permits import SAMPLE as PERMITS_SAMPLE
from tests.unit.test_import_permits import FakeStore
from tests.unit.test_import_permits import run as import_permits
from tests.unit.test_import_workers import ctx, importer, sample_table


def known(reason: str) -> bool:
    return not reason_vi(reason).startswith(UNKNOWN_PREFIX)


@pytest.mark.parametrize(
    ("reason", "vietnamese"),
    [
        ("is required", "Bắt buộc phải điền"),
        (
            "must not be before the departure (2021-08-28)",
            "Không được trước ngày xuất cảnh (2021-08-28)",
        ),
        (
            "Input should be 'male' or 'female'",
            "Phải là một trong các giá trị: 'male' hoặc 'female'",
        ),
        ("the worker must be at least 18", "Người lao động phải đủ 18 tuổi"),
        (
            "repeats row 3 (same passport, employer and start date)",
            "Trùng với dòng 3 (cùng hộ chiếu, doanh nghiệp và ngày bắt đầu)",
        ),
    ],
)
def test_reasons_read_in_vietnamese_with_their_figures_carried_over(
    reason: str, vietnamese: str
) -> None:
    assert reason_vi(reason) == vietnamese


def test_an_unknown_reason_still_gets_a_vietnamese_lead_in_and_keeps_the_english() -> None:
    assert reason_vi("something new") == f"{UNKNOWN_PREFIX} (something new)"


def test_the_catalogue_has_no_english_left_in_its_texts() -> None:
    english = [r for r, text in EXACT.items() if text == r]
    assert english == []


async def test_every_reason_the_registry_sample_raises_is_in_the_catalogue() -> None:
    summary = await importer(InMemoryBulkFiles()).run(sample_table(), ctx())
    assert summary.errors
    assert [e.reason for e in summary.errors if not known(e.reason)] == []


async def test_every_reason_the_permits_sample_raises_is_in_the_catalogue() -> None:
    summary = await import_permits(PERMITS_SAMPLE.read_bytes(), FakeStore())
    assert summary.errors
    assert [e.reason for e in summary.errors if not known(e.reason)] == []


def test_the_report_is_vietnamese_and_the_json_keeps_both() -> None:
    error = RowError(3, "Ngày sinh", "date_of_birth", "is not a date of the calendar")
    summary = ImportSummary(rows=1, errors=[error])

    [_, line] = sheet_rows(error_report_xlsx([error]))
    [answered] = summary.as_json()["errors"]  # type: ignore[misc]

    assert line == (3, "Ngày sinh", "Ngày không có trên lịch")
    assert answered["reason"] == "is not a date of the calendar"
    assert answered["reason_vi"] == "Ngày không có trên lịch"
