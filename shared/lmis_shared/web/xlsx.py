"""Lists as Excel workbooks: the same rows as the JSON list, asked for with `?format=xlsx` or
`Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`.

The sheet says what it is before the table: its title, the filters and sort the list was asked
with, and the "as of" time (Vietnam time), so a printed or forwarded copy explains itself.
Headings are Vietnamese; numbers and dates are cells of their type (a sum in Excel works),
formatted `#,##0` and `dd/mm/yyyy`. The workbook is written row by row (openpyxl's write-only
mode keeps rows on disk, not in memory) into a spooled file that spills to disk past a few MB,
and at most `MAX_ROWS` rows are exported; the sheet says so when the list had more.

    if wants_xlsx(request, format):
        return await xlsx_response(Sheet(...), COLUMNS, every_row(fetch_page))
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote
from uuid import UUID

from fastapi import Request
from fastapi.responses import StreamingResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from lmis_shared.clock import VIETNAM_TZ

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 100_000
"""Beyond this a list is to be narrowed by its filters (or read as JSON, page by page)."""
_SPOOL_BYTES = 4 * 1024 * 1024
_CHUNK = 64 * 1024

Format = Literal["json", "xlsx"]
T = TypeVar("T")

VND = "#,##0"
DAY = "dd/mm/yyyy"
TIME = "dd/mm/yyyy hh:mm"
"""Vietnam time: the sheet's heading says so."""


@dataclass(frozen=True)
class Column(Generic[T]):
    heading: str
    """Vietnamese."""
    value: Callable[[T], Any]
    number_format: str | None = None


@dataclass(frozen=True)
class Sheet:
    title: str
    """What the list is, in Vietnamese: `Danh sách khoản vay`."""
    filename: str
    """Without extension: `khoan-vay`."""
    filters: Mapping[str, Any]
    """The query as asked (parameter → value); parameters not given are left out."""
    as_of: datetime


def wants_xlsx(request: Request, format: Format | None) -> bool:
    """`?format=` decides; without it, an `Accept` header naming the XLSX type."""
    if format is not None:
        return format == "xlsx"
    return XLSX in request.headers.get("accept", "")


async def every_row(
    page: Callable[[str | None], Awaitable[tuple[Sequence[T], str | None]]],
) -> AsyncIterator[T]:
    """The rows of every page, following the cursors (each page is a query of its own)."""
    cursor: str | None = None
    while True:
        items, cursor = await page(cursor)
        for item in items:
            yield item
        if cursor is None:
            return


async def xlsx_response(
    sheet: Sheet, columns: Sequence[Column[T]], rows: AsyncIterable[T]
) -> tuple[StreamingResponse, list[T]]:
    """The workbook as a download, and the rows it holds (for the access record).

    The rows are read before the workbook is begun: a page that fails (a refused filter is
    found out by the first query) must not leave a half-written sheet behind."""
    kept: list[T] = []
    more = False
    async for row in rows:
        if len(kept) == MAX_ROWS:
            more = True
            break
        kept.append(row)
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet.title[:31])
    bold = Font(bold=True)
    ws.append([_cell(ws, sheet.title, font=Font(bold=True, size=14))])
    asked = "; ".join(f"{k}={_text(v)}" for k, v in sheet.filters.items()) or "(không lọc)"
    ws.append(["Điều kiện lọc", _storable(asked)])
    as_of = sheet.as_of.astimezone(VIETNAM_TZ)
    ws.append(["Số liệu tính đến", as_of.strftime("%H:%M %d/%m/%Y") + " (giờ Việt Nam)"])
    ws.append([])
    ws.append([_cell(ws, c.heading, font=bold) for c in columns])
    for row in kept:
        ws.append([_cell(ws, c.value(row), c.number_format) for c in columns])
    if more:
        ws.append([f"Chỉ xuất {MAX_ROWS:,} dòng đầu: hãy lọc thêm để xuất phần còn lại."])
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 (streamed)
    book.save(spool)
    spool.seek(0)
    name = f"{sheet.filename}-{as_of:%Y%m%d-%H%M}.xlsx"
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    return (
        StreamingResponse(
            _chunks(spool), media_type=XLSX, headers={"Content-Disposition": disposition}
        ),
        kept,
    )


def _cell(ws: Any, value: Any, number_format: str | None = None, font: Font | None = None) -> Any:
    """`ws`: an openpyxl write-only worksheet (the library has no type information)."""
    if isinstance(value, UUID):
        value = str(value)
    elif isinstance(value, str):
        value = _storable(value)
    elif isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(VIETNAM_TZ).replace(tzinfo=None)  # Excel has no time zones
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        # openpyxl makes "=..." a formula: a job title "=HYPERLINK(...)" would be a live link
        # in an officer's Excel (formula injection); a text cell is shown, never evaluated
        cell.data_type = "s"
    if number_format and value is not None:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    return cell


def _storable(text: str) -> str:
    """`text` without the control characters a workbook cannot hold (openpyxl refuses them
    with an error, which would leave the half-written sheet behind as a 500)."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", text))


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(_text(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(getattr(value, "value", value))


async def _chunks(spool: Any) -> AsyncIterator[bytes]:
    try:
        while chunk := spool.read(_CHUNK):
            yield chunk
    finally:
        spool.close()
