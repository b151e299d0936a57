"""A report as an XLSX workbook (openpyxl): numbers stay numbers, totals are SUM formulas.

Figures are numeric cells with a number format (`#,##0`, `0.0%`) that Excel shows in the
reader's locale — 1.234.567 on a Vietnamese office PC; the text around them (dates, period,
as of) is written the Vietnamese way. Column D names each figure (`report_model.figures`), so a
reader, or a test, can tell which indicator a number comes from.

The bytes depend on the report only: the workbook's dates (created, modified) are the report's
`as_of` and every zip entry carries that time, so the same figures give the same file, and its
hash can be checked against a filing later.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

from lmis_reporting.domain.report_layout import (
    COLUMNS_VI,
    MOTTO_VI,
    NATION_VI,
    DocRow,
    document_rows,
    heading_lines,
    place_and_date,
)
from lmis_reporting.domain.report_model import Report

_CORE = "docProps/core.xml"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BOLD = Font(bold=True)
_VALUE_COLUMN = "C"


def render_xlsx(report: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Báo cáo"
    _heading(sheet, report)
    first = sheet.max_row + 2
    for offset, name in enumerate(COLUMNS_VI):
        cell = sheet.cell(first, offset + 1, name)
        cell.font = _BOLD
    for row in document_rows(report):
        _write(sheet, sheet.max_row + 1, row)
    sheet.cell(sheet.max_row + 2, 3, place_and_date(report)).font = Font(italic=True)
    sheet.cell(sheet.max_row + 1, 3, f"THỦ TRƯỞNG {report.unit.issuing_body.upper()}").font = _BOLD
    for column, width in zip("ABCD", (70, 14, 18, 44), strict=True):
        sheet.column_dimensions[column].width = width
    moment = report.as_of.astimezone(UTC).replace(tzinfo=None)
    book.properties.created = moment
    book.properties.creator = report.unit.issuing_body
    book.properties.title = report.title_vi
    buffer = io.BytesIO()
    book.save(buffer)  # sets `modified` to the time of saving: set back to the report's below
    book.properties.modified = moment
    core = tostring(book.properties.to_tree())
    return _fixed_zip(buffer.getvalue(), moment.timetuple()[:6], {_CORE: core})


def _heading(sheet: Worksheet, report: Report) -> None:
    sheet["A1"] = report.unit.issuing_body.upper()
    sheet["C1"] = NATION_VI
    sheet["C2"] = MOTTO_VI
    sheet["A4"] = report.title_vi.upper()
    for cell in ("A1", "C1", "C2", "A4"):
        sheet[cell].font = _BOLD
    for number, text in enumerate(heading_lines(report), start=5):
        sheet.cell(number, 1, text)


def _write(sheet: Worksheet, number: int, row: DocRow) -> None:
    label = sheet.cell(number, 1, row.label)
    label.alignment = Alignment(wrap_text=True, vertical="top")
    if row.kind in ("section", "total"):
        label.font = _BOLD
    if row.kind in ("section", "note"):
        return
    sheet.cell(number, 2, row.unit)
    if row.key:
        sheet.cell(number, 4, row.key).font = Font(color="808080", size=8)
    if row.kind == "line" and not row.key:
        return  # the heading of a breakdown: its figures follow
    value: object = row.value
    if row.kind == "total" and row.sums:
        value = f"=SUM({_VALUE_COLUMN}{number - row.sums}:{_VALUE_COLUMN}{number - 1})"
    cell = sheet.cell(number, 3, value)
    cell.number_format = "0.0%" if row.ratio else "#,##0"
    if row.kind == "total":
        cell.font = _BOLD


def _fixed_zip(data: bytes, moment: tuple[int, ...], replaced: dict[str, bytes]) -> bytes:
    """The same archive with every entry dated `moment` (zip stores the time of writing),
    and the entries named in `replaced` replaced."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=moment)  # type: ignore[arg-type]
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, replaced.get(entry.filename) or source.read(entry.filename))
    return out.getvalue()
