"""Reading back a list exported as XLSX (with openpyxl, as an officer's Excel would open it):
the lines before the table (title, filters, "as of"), the headings and the rows as typed
values."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import httpx
import openpyxl

from lmis_shared.web.xlsx import XLSX


@dataclass
class ExportedSheet:
    title: str
    filters: str
    as_of: str
    headings: list[str]
    rows: list[list[Any]]

    def column(self, heading: str) -> list[Any]:
        at = self.headings.index(heading)
        return [row[at] for row in self.rows]


def read_sheet(response: httpx.Response) -> ExportedSheet:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"].startswith("attachment;")
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    cells = [list(r) for r in book.worksheets[0].iter_rows()]
    book.close()
    formulas = [c.coordinate for row in cells for c in row if c.data_type == "f"]
    assert not formulas, f"an export holds formulas (injected from data?): {formulas}"
    lines = [[c.value for c in row] for row in cells]
    title, filters, as_of, _blank, headings, *rows = lines
    width = len([h for h in headings if h is not None])
    return ExportedSheet(
        str(title[0]),
        str(filters[1]),
        str(as_of[1]),
        [str(h) for h in headings[:width]],
        [[_day(v) for v in row[:width]] for row in rows],
    )


def _day(value: Any) -> Any:
    """A date cell reads back as a midnight datetime: the day it holds."""
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    return value


def as_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
