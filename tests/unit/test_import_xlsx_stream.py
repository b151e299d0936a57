"""The streaming XLSX reader reads what openpyxl reads: the same values, typed the same, in
the same cells, for the kinds of cell a spreadsheet program saves."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from lmis_shared.imports import UnreadableFile
from lmis_shared.imports.xlsx_source import xlsx_rows
from tests.unit.import_files import TEMPLATE

CELLS: list[list[object]] = [
    ["Họ và tên", "Ngày sinh", "Số CCCD", "Cờ", "Số thực"],
    ["Lò Thị Mai", date(1998, 4, 12), "012198001234", True, 1.5],
    ["Giàng A Sử", datetime(1996, 7, 8, 0, 0), 12096220871, False, -2e-3],
    [None, None, None, None, None],  # a blank row in the middle
    ["Tòng Thị Xuân", datetime(1999, 11, 21, 9, 30), "=1+1", "x", time(8, 15)],
]


def workbook(*, write_only: bool, date1904: bool = False) -> bytes:
    """CELLS in the template's sheet, which comes second (the reader finds it by name)."""
    book = openpyxl.Workbook(write_only=write_only)
    if write_only:
        book.create_sheet("Khác").append(["not this sheet"])
        sheet = book.create_sheet(TEMPLATE.sheet)
    else:
        book.active.append(["not this sheet"])
        sheet = book.create_sheet(TEMPLATE.sheet)
    if date1904:
        book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    for row in CELLS:
        sheet.append(row)
    if not write_only:
        sheet["F7"] = CellRichText(["plain ", TextBlock(InlineFont(b=True), "bold")])
        sheet["XFD9"] = "far right"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def openpyxl_rows(data: bytes) -> list[tuple[int, dict[int, object]]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    names = book.sheetnames
    sheet = book[TEMPLATE.sheet] if TEMPLATE.sheet in names else book.worksheets[0]
    sheet.reset_dimensions()
    rows = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = {i: v for i, v in enumerate(values) if v is not None and v != ""}
        if cells:
            rows.append((number, cells))
    book.close()
    return rows


@pytest.mark.parametrize("write_only", [False, True], ids=["shared-strings", "inline-strings"])
@pytest.mark.parametrize("date1904", [False, True], ids=["1900", "1904"])
def test_the_reader_reads_the_values_openpyxl_reads(write_only: bool, date1904: bool) -> None:
    data = workbook(write_only=write_only, date1904=date1904)
    with xlsx_rows(io.BytesIO(data), TEMPLATE) as rows:
        ours = [(n, cells) for n, cells in rows if cells]
    assert ours == openpyxl_rows(data)
    assert ours[1][1][1] == datetime(1998, 4, 12)  # a date cell is a date, not its serial


def test_a_doctype_is_refused() -> None:
    data = workbook(write_only=True)
    source = io.BytesIO(data)
    out = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w") as copy:
        for item in original.infolist():
            content = original.read(item)
            if item.filename == "xl/workbook.xml":
                content = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + content.split(b"?>", 1)[-1]
            copy.writestr(item, content)
    with pytest.raises(UnreadableFile), xlsx_rows(io.BytesIO(out.getvalue()), TEMPLATE) as rows:
        list(rows)
