"""A list page as shown on the dashboard, as an XLSX workbook: the same columns and rows, the
numbers kept as numbers. The list's own service answered the page (and recorded the read in
its access record); this only changes how it is handed over."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from typing import Any

from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def list_workbook(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "Danh sách"
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_cell(row.get(column)) for column in columns])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula (a name "=HYPERLINK(...)")
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)
