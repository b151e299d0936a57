"""Reading an uploaded CSV or XLSX file into rows keyed by the template's fields.

The format is told by the content, not the name: an XLSX workbook is a ZIP archive, anything
else is read as CSV text. CSV must be UTF-8 (with or without a byte-order mark) or UTF-16 with
its byte-order mark (Excel's "Unicode text"); the separator is whichever of `,` `;` or tab
makes the heading row match the template. Windows-1258, TCVN3 (ABC) and VNI files are refused,
not guessed: they cannot be told apart reliably, and a wrong guess would import garbled names
that look valid.

The heading row is the first of the first ten rows with the most recognised headings, so a
title row above it ("DANH SÁCH NGƯỜI LAO ĐỘNG ...") does no harm. Rows are numbered as the
spreadsheet numbers them. Blank rows, and a row equal to the template's example row, are
skipped.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import chain, islice
from typing import IO, Any, NamedTuple

from lmis_shared.imports.errors import RowError, UnreadableFile
from lmis_shared.imports.template import Column, Template
from lmis_shared.imports.xlsx_source import xlsx_rows
from lmis_shared.logging import redact_text

MAX_ROWS = 200_000
MAX_BLANK_ROWS = 10_000
"""Blank rows are skipped, but each costs reading: a file of nothing but blank lines stops."""
MAX_LINE_CHARS = 256 * 1024
"""A CSV line longer than this is refused before it is split into cells."""
HEADER_SEARCH_ROWS = 10
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE: Excel 97-2003, or an encrypted XLSX
_SEPARATORS = (",", ";", "\t")
_MAX_HEADING_SHOWN = 60
_SNIFF_BYTES = 4096
_NOT_TEXT = "the file is neither an XLSX workbook nor CSV text (it holds a NUL character)"
"""PostgreSQL stores no NUL in text, and no CSV a spreadsheet writes holds one."""

Cells = Sequence[object] | Mapping[int, object]
"""A row's cells: a CSV line's in order, or an XLSX row's by column (sparse)."""
Grid = Sequence[Cells]
Numbered = tuple[int, Cells]
"""A row's number in the file (the first row is 1) and its cells."""


class Row(NamedTuple):
    """A tuple, not a frozen dataclass: an import makes one per row it reads (and its worker
    processes one per row they plan), and a frozen dataclass sets each field through
    `object.__setattr__` (0.36 µs a row against 0.1, measured)."""

    number: int
    """As the spreadsheet numbers it: the first row of the file is 1."""
    values: Mapping[str, str]
    """Field → the cell's text, trimmed; empty cells are left out."""


@dataclass(frozen=True)
class Table:
    template: Template
    headings: Mapping[str, str]
    """Field → its heading as written in the file."""
    rows: list[Row]
    unrecognised: tuple[str, ...] = ()
    """Headings that match no column (shown back: a misspelt optional column is not silent)."""
    format: str = "csv"
    example_skipped: bool = field(default=False)

    def heading(self, field_name: str) -> str:
        if field_name in self.headings:
            return self.headings[field_name]
        column = self.template.by_field.get(field_name)
        return column.heading if column else field_name

    def error(self, row: Row, field_name: str, reason: str) -> RowError:
        return RowError(row.number, self.heading(field_name), field_name, reason)


def read_table(data: bytes | IO[bytes], template: Template, *, max_rows: int = MAX_ROWS) -> Table:
    """The file's rows, or UnreadableFile saying why nothing can be read. `data` is the file's
    bytes or a seekable binary file (an upload spooled to disk), read as a stream: the row
    and line limits apply while reading, so a hostile file is refused having cost little."""
    with stream_table(data, template, max_rows=max_rows) as (head, rows):
        return replace(head, rows=list(rows), example_skipped=rows.example_skipped)


@contextmanager
def stream_table(
    data: bytes | IO[bytes], template: Template, *, max_rows: int = MAX_ROWS
) -> Iterator[tuple[Table, TableRows]]:
    """`read_table` one row at a time: the table's head (headings, unrecognised columns,
    format; no rows) once its heading row is read, and its rows as they are read. Iterating
    the rows may still raise UnreadableFile: until the last row is read, the file may turn
    out unreadable (`streamed.py` waits for it before anything is saved)."""
    file = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    head = file.read(_SNIFF_BYTES)
    file.seek(0)
    if not head.strip() and len(head) < _SNIFF_BYTES:
        raise UnreadableFile("the file is empty")
    if head.startswith(_XLS_MAGIC):
        raise UnreadableFile(
            "Excel 97-2003 (.xls) and password-protected workbooks are not read: "
            "save the file as .xlsx (Excel Workbook) or as CSV UTF-8"
        )
    source, fmt = (
        (xlsx_rows(file, template), "xlsx")
        if head.startswith(_XLSX_MAGIC)
        else (_csv_rows(file, head, template), "csv")
    )
    with source as numbered:
        yield _table_head(iter(numbered), template, fmt, max_rows)


def _indexed(cells: Cells) -> Iterable[tuple[int, object]]:
    return cells.items() if isinstance(cells, Mapping) else enumerate(cells)


# --- CSV ----------------------------------------------------------------------------------


def _csv_rows(
    file: IO[bytes], head: bytes, template: Template
) -> AbstractContextManager[Iterator[Numbered]]:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\x00" in head:
        raise UnreadableFile(_NOT_TEXT)
    else:
        encoding = "utf-8-sig"
    return _csv_reader(file, encoding, template)


@contextmanager
def _csv_reader(file: IO[bytes], encoding: str, template: Template) -> Iterator[Iterator[Numbered]]:
    text = io.TextIOWrapper(file, encoding=encoding, errors="strict", newline="")
    try:
        yield enumerate(_csv_cells(_bounded_lines(text), template), start=1)
    finally:
        text.detach()  # the upload's owner closes the file


def _csv_cells(lines: Iterator[str], template: Template) -> Iterator[list[str]]:
    reader: Any = None
    try:
        first = list(islice(lines, HEADER_SEARCH_ROWS))
        separator = max(
            _SEPARATORS,
            key=lambda s: _best_header(list(csv.reader(first, delimiter=s)), template)[1],
        )
        # strict: a quote left open would otherwise take every line after it into one cell,
        # rows lost with no error of their own; a spreadsheet never writes one
        reader = csv.reader(chain(first, lines), delimiter=separator, strict=True)
        begun = 1  # the line the record being read begins on: where an open quote is
        for cells in reader:
            yield cells
            begun = reader.line_num + 1
    except csv.Error:
        where = f" in the row beginning at line {begun}" if reader is not None else ""
        raise UnreadableFile(
            f"the CSV file is malformed{where}: a quoted cell is not closed, text follows "
            f"its closing quote, or a cell is longer than {csv.field_size_limit()} characters"
        ) from None
    except UnicodeDecodeError:
        raise UnreadableFile(
            "the CSV file is not UTF-8 (Windows-1258, TCVN3 and VNI are not read): in Excel "
            "save it as 'CSV UTF-8 (Comma delimited)', or upload the .xlsx workbook"
        ) from None


def _bounded_lines(text: IO[str]) -> Iterator[str]:
    while line := text.readline(MAX_LINE_CHARS + 1):
        if len(line) > MAX_LINE_CHARS:
            raise UnreadableFile(f"a line of the file is longer than {MAX_LINE_CHARS} characters")
        if "\x00" in line:  # the first bytes are looked at for it; this is every line after
            raise UnreadableFile(_NOT_TEXT)
        yield line


# --- rows ---------------------------------------------------------------------------------


def _table_head(
    rows: Iterator[Numbered], template: Template, fmt: str, max_rows: int
) -> tuple[Table, TableRows]:
    first = list(islice(rows, HEADER_SEARCH_ROWS))
    header_index, matched = _best_header([cells for _, cells in first], template)
    if matched == 0:
        expected = ", ".join(c.heading for c in template.columns if c.required)
        raise UnreadableFile(f"no heading row found: the template's headings are {expected}")
    positions, headings, unrecognised = _headings(first[header_index][1], template)
    columns = [(f, i, template.by_field[f]) for f, i in positions.items()]
    after = chain(first[header_index + 1 :], rows)
    head = Table(template, headings, [], unrecognised, fmt)
    return head, TableRows(after, columns, template.example_row(), max_rows)


class TableRows:
    """The rows under the heading row, read as they are iterated (once)."""

    def __init__(
        self,
        numbered: Iterator[Numbered],
        columns: Sequence[tuple[str, int, Column]],
        example: Mapping[str, str],
        max_rows: int,
    ) -> None:
        self._numbered = numbered
        self._columns = columns
        self._example = example
        self._max_rows = max_rows
        self.example_skipped = False
        """Whether a row equal to the template's example row was skipped (so far)."""

    def __iter__(self) -> Iterator[Row]:
        columns, example, max_rows = self._columns, self._example, self._max_rows
        made = tuple.__new__  # a named tuple's own `__new__` is a Python call around it
        blank = count = 0
        for number, cells in self._numbered:
            values = _values(cells, columns)
            if not values:
                blank += 1
                if blank > MAX_BLANK_ROWS:
                    raise UnreadableFile(f"the file has more than {MAX_BLANK_ROWS} blank rows")
                continue
            if values == example:
                self.example_skipped = True
                continue
            if count == max_rows:
                raise UnreadableFile(f"the file has more than {max_rows} rows: split it")
            count += 1
            yield made(Row, (number, values))


def _best_header(grid: Grid, template: Template) -> tuple[int, int]:
    """(index, matches) of the first of the first rows with the most recognised headings."""
    best = (0, 0)
    for index, cells in enumerate(grid[:HEADER_SEARCH_ROWS]):
        matches = sum(1 for _, c in _indexed(cells) if isinstance(c, str) and template.match(c))
        if matches > best[1]:
            best = (index, matches)
    return best


def _headings(
    cells: Cells, template: Template
) -> tuple[dict[str, int], dict[str, str], tuple[str, ...]]:
    positions: dict[str, int] = {}
    headings: dict[str, str] = {}
    unrecognised: list[str] = []
    for index, cell in _indexed(cells):
        text = "" if cell is None else " ".join(str(cell).split())
        column = template.match(text) if text else None
        if column is None:
            if text and not template.is_ignored(text):
                unrecognised.append(redact_text(text)[:_MAX_HEADING_SHOWN])
            continue
        if column.field in positions:
            raise UnreadableFile(f"two columns stand for {column.heading!r}: keep one")
        positions[column.field] = index
        headings[column.field] = text
    missing = [c.heading for c in template.columns if c.required and c.field not in positions]
    if missing:
        raise UnreadableFile(f"required columns are missing: {', '.join(missing)}")
    return positions, headings, tuple(unrecognised)


def _values(cells: Cells, columns: Sequence[tuple[str, int, Column]]) -> dict[str, str]:
    """The row's non-blank cells by field; a text cell, as every CSV cell is, is only
    stripped (an XLSX row of 8 text cells: 2.5 µs, against 4.5 through `_cell_text`)."""
    values: dict[str, str] = {}
    if type(cells) is dict or isinstance(cells, Mapping):  # an XLSX row
        for field_name, index, column in columns:
            cell = cells.get(index)
            if cell is None:
                continue
            text = cell.strip() if type(cell) is str else _cell_text(cell, column)
            if text:
                values[field_name] = text
        return values
    size = len(cells)
    for field_name, index, column in columns:
        if index < size:
            cell = cells[index]
            text = cell.strip() if type(cell) is str else _cell_text(cell, column)
            if text:
                values[field_name] = text
    return values


def _cell_text(value: object, column: Column) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime):
        # a date cell comes as midnight; a time of day is kept, for the command to refuse
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return _padded(str(value), column.digits)
    return str(value).strip() or None


def _padded(digits: str, width: int | None) -> str:
    if width is None or not digits.isdigit():
        return digits
    return digits.zfill(width)
