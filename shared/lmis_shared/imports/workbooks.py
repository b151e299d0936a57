"""The workbooks an import hands out: the blank template and the error report.

Both are written from data (the `Template`, the `RowError`s), with Vietnamese headings, so
the template a province fills in is the one the reader expects. Code columns (citizen ID,
commune code) are formatted as text in the template: typed into a number cell, "012…" would
lose its leading zero.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from lmis_shared.imports.errors import RowError
from lmis_shared.imports.summary import ImportSummary
from lmis_shared.imports.template import Template

REPORT_HEADINGS = ("Dòng", "Cột", "Lý do")
REPORT_SHEET = "Lỗi"
SUMMARY_SHEET = "Tổng hợp"
NOTES_SHEET = "Hướng dẫn"
NOTES_HEADINGS = ("Cột", "Bắt buộc", "Ví dụ", "Hướng dẫn")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_BOLD = Font(bold=True)
_EXAMPLE = Font(italic=True, color="808080")
_REQUIRED = PatternFill("solid", fgColor="FCE4D6")
_OPTIONAL = PatternFill("solid", fgColor="DDEBF7")
_TEXT_ROWS = 2000  # rows of a code column pre-formatted as text in the blank template


def template_xlsx(template: Template) -> bytes:
    """The blank template: headings, one example row (skipped on import), and the notes."""
    book = Workbook()
    sheet = book.active
    sheet.title = template.sheet
    for index, column in enumerate(template.columns, start=1):
        heading = sheet.cell(row=1, column=index, value=column.heading)
        heading.font = _BOLD
        heading.fill = _REQUIRED if column.required else _OPTIONAL
        example = sheet.cell(row=2, column=index, value=column.example or None)
        example.font = _EXAMPLE
        example.number_format = "@"
        if column.digits:
            for row in range(3, _TEXT_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "@"
        width = max(len(column.heading), len(column.example)) + 4
        sheet.column_dimensions[get_column_letter(index)].width = width
    for offset, heading in enumerate(template.ignored, start=len(template.columns) + 1):
        sheet.cell(row=1, column=offset, value=heading).font = _BOLD
        sheet.column_dimensions[get_column_letter(offset)].width = len(heading) + 12
    sheet.freeze_panes = "A2"
    _notes(book, template)
    return _saved(book)


def error_report_xlsx(errors: Sequence[RowError], summary: ImportSummary | None = None) -> bytes:
    """One line per problem: the row, the column as headed in the file, and why (in
    Vietnamese: `reasons_vi.py`)."""
    book = Workbook()
    sheet = book.active
    sheet.title = REPORT_SHEET
    _table(
        sheet,
        REPORT_HEADINGS,
        [(e.row_number, e.column, e.reason_vi) for e in sorted(errors, key=_by_row)],
    )
    for letter, width in zip("ABC", (8, 28, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    if summary is not None:
        counts = book.create_sheet(SUMMARY_SHEET)
        _table(
            counts,
            ("Nội dung", "Số dòng"),
            [
                ("Số dòng dữ liệu", summary.rows),
                ("Đã nhập", summary.imported),
                ("Bỏ qua (đã nhập trước đó)", summary.skipped),
                ("Bị từ chối", summary.rejected),
            ],
        )
        counts.column_dimensions["A"].width = 32
    return _saved(book)


def _by_row(error: RowError) -> int:
    return error.row_number


def _notes(book: Workbook, template: Template) -> None:
    notes = book.create_sheet(NOTES_SHEET)
    lines = []
    for column in template.columns:
        help_text = column.help
        if column.aliases:
            help_text += f" Tiêu đề khác được chấp nhận: {', '.join(column.aliases)}."
        lines.append(
            (column.heading, "Có" if column.required else "Không", column.example, help_text)
        )
    _table(notes, NOTES_HEADINGS, lines)
    row = len(lines) + 3
    for paragraph in template.notes:
        notes.cell(row=row, column=1, value=paragraph)
        row += 1
    for letter, width in zip("ABCD", (24, 10, 24, 90), strict=True):
        notes.column_dimensions[letter].width = width


def _table(sheet: Any, headings: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """`sheet`: an openpyxl worksheet (the library has no type information)."""
    sheet.append(list(headings))
    for cell in sheet[1]:
        cell.font = _BOLD
    for values in rows:
        sheet.append(list(values))
    sheet.freeze_panes = "A2"


def _saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
