"""Files for the import tests: a small template, and CSV/XLSX files written from rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import openpyxl

from lmis_shared.imports import Column, Template, choice, choices, vietnamese_date

TEMPLATE = Template(
    name="mau_thu",
    sheet="Dữ liệu",
    columns=(
        Column("Họ và tên", "full_name", required=True, example="Lò Thị Mai"),
        Column("Ngày sinh", "date_of_birth", required=True, parse=vietnamese_date),
        Column("Giới tính", "sex", parse=choice({"Nam": "male", "Nữ": "female"})),
        Column("Số CCCD", "citizen_id", required=True, aliases=("CCCD",), digits=12),
        Column("Mã xã", "commune_code", digits=5),
        Column("Nhóm", "groups", parse=choices({"Hộ nghèo": "poor", "Hộ cận nghèo": "near_poor"})),
        Column("Ngày rút", "withdraw.withdrawn_on", parse=vietnamese_date),
    ),
)
HEADINGS = ["Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Mã xã"]
CITIZEN_ID = "012198001234"
ROW = ["Lò Thị Mai", "12/04/1998", "Nữ", CITIZEN_ID, "03637"]


def csv_bytes(
    rows: Sequence[Sequence[object]], *, delimiter: str = ",", bom: bool = False
) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def xlsx_bytes(rows: Sequence[Sequence[object]], sheet: str = "Sheet1") -> bytes:
    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_rows(data: bytes, sheet: str | None = None) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    chosen = book[sheet] if sheet else book.worksheets[0]
    return [tuple(r) for r in chosen.iter_rows(values_only=True)]
