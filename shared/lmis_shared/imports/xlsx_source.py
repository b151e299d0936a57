"""The rows of an uploaded XLSX workbook, read as a stream with every size bounded.

An XLSX file is a ZIP archive of XML, so a small upload can stand for a huge workbook. Before
openpyxl opens it the archive is checked: no part inflates more than `MAX_RATIO` times (a
"zip bomb"), no part but a worksheet is larger than `MAX_PART_BYTES` (openpyxl holds the
shared strings and styles whole), the parts together stay under `MAX_UNCOMPRESSED_BYTES`,
and no row of a worksheet holds more than `MAX_CELLS_PER_ROW` cells (openpyxl builds a row's
XML element whole before it reads it). The worksheet check streams the XML and drops every
cell as soon as it is counted.

openpyxl's read-only mode then reads the sheet row by row. The sheet's declared dimension
(`<dimension ref="A1:XFD1048576"/>`, written by whoever made the file) is ignored: openpyxl
would pad every row to it. Cells hold their saved values; no formula is evaluated.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO, cast
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from lmis_shared.imports.errors import UnreadableFile
from lmis_shared.imports.template import Template

MAX_RATIO = 100
"""Real workbooks inflate about 5 to 20 times; a zip bomb thousands of times."""
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
MAX_CELLS_PER_ROW = 16_384  # Excel's own limit (column XFD)
_SMALL_PART = 1024 * 1024  # below this a high ratio is harmless (an empty sheet's XML)
_WORKSHEETS = "xl/worksheets/"
_CHUNK = 64 * 1024
_ROW = "row"
_CELL = "c"


@contextmanager
def xlsx_rows(file: IO[bytes], template: Template) -> Iterator[Iterator[Sequence[object]]]:
    """The rows of the template's sheet (else the first sheet) as tuples of cell values,
    each as long as its last cell; UnreadableFile if the archive or a sheet is too large."""
    try:
        with zipfile.ZipFile(file) as archive:
            _check_archive(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise _unreadable(error) from None
    file.seek(0)
    # openpyxl warns about workbook features it drops (styles, extensions) that we never read
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            raise _unreadable(error) from None
        try:
            names = book.sheetnames
            sheet = book[template.sheet] if template.sheet in names else book.worksheets[0]
            sheet.reset_dimensions()  # trust the cells, not the declared dimension
            yield iter(sheet.iter_rows(values_only=True))
        finally:
            book.close()


def _unreadable(error: BaseException) -> UnreadableFile:
    return UnreadableFile(f"the file is not a readable XLSX workbook ({type(error).__name__})")


def _check_archive(archive: zipfile.ZipFile) -> None:
    total = 0
    for part in archive.infolist():
        total += part.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            raise UnreadableFile(
                f"the workbook unpacks to more than {MAX_UNCOMPRESSED_BYTES >> 20} MB: "
                "split it, or save it as CSV"
            )
        if part.file_size > _SMALL_PART and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise UnreadableFile(
                f"a part of the workbook unpacks more than {MAX_RATIO} times its size: "
                "it is not a workbook a spreadsheet program saved"
            )
        is_sheet = part.filename.startswith(_WORKSHEETS)
        if not is_sheet and part.file_size > MAX_PART_BYTES:
            raise UnreadableFile(
                f"a part of the workbook is larger than {MAX_PART_BYTES >> 20} MB unpacked"
            )
        if is_sheet and part.filename.endswith(".xml"):
            with archive.open(part) as stream:
                _check_rows(stream)


def _check_rows(stream: IO[bytes]) -> None:
    """Refuse a sheet with a row of more than MAX_CELLS_PER_ROW cells, holding at most one
    cell's XML at a time."""
    parser: XMLPullParser[Element] = XMLPullParser(events=("start", "end"))
    open_elements: list[Element] = []
    cells = 0
    try:
        while chunk := stream.read(_CHUNK):
            parser.feed(chunk)
            # only elements' starts and ends are asked for
            events = cast("Iterator[tuple[str, Element]]", parser.read_events())
            for event, element in events:
                name = element.tag.rpartition("}")[2]
                if event == "start":
                    open_elements.append(element)
                    continue
                open_elements.pop()
                if name == _CELL:
                    cells += 1
                    if cells > MAX_CELLS_PER_ROW:
                        raise UnreadableFile(
                            f"a row of the workbook has more than {MAX_CELLS_PER_ROW} cells"
                        )
                elif name == _ROW:
                    cells = 0
                if open_elements and name in (_CELL, _ROW):
                    open_elements[-1].remove(element)  # counted: let it go
        parser.close()
    except ParseError as error:
        raise _unreadable(error) from None
