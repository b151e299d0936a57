"""Files made to cost an importer memory or time: each small to send or to build, each one
that a naive reader would inflate (the unit tests of the reader and the test of the running
API share them)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"
WHOLE_SHEET = "A1:XFD1048576"


def workbook(rows: Sequence[Sequence[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewritten(data: bytes, part: str, change: str | bytes) -> bytes:
    """The XLSX `data` with `part` replaced (a str is a regex substitution of its first
    `<dimension .../>` or `</sheetData>`, see the callers; bytes replace the part whole)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == part:
                content = change if isinstance(change, bytes) else _substituted(content, change)
            target.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _substituted(content: bytes, change: str) -> bytes:
    pattern, replacement = change.split("=>", 1)
    return re.sub(pattern.encode(), replacement.encode(), content, count=1)


def declaring_the_whole_sheet(rows: Sequence[Sequence[object]]) -> bytes:
    """A workbook whose sheet says it spans A1:XFD1048576 (openpyxl would pad to it)."""
    return rewritten(
        workbook(rows), SHEET, f'<dimension ref="[^"]*" ?/>=><dimension ref="{WHOLE_SHEET}"/>'
    )


def with_a_row_of(cells: int, rows: Sequence[Sequence[object]]) -> bytes:
    """A workbook with one more row of `cells` empty cells (each a tiny `<c/>`)."""
    row = "<row>" + "<c/>" * cells + "</row>"
    return rewritten(workbook(rows), SHEET, f"</sheetData>=>{row}</sheetData>")


def zip_bomb(unpacked_bytes: int) -> bytes:
    """A workbook-looking archive whose sheet is `unpacked_bytes` of spaces (about a
    thousandth of that to send)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(SHEET, "w", force_zip64=True) as sheet:
            block = b" " * (1 << 20)
            for _ in range(unpacked_bytes >> 20):
                sheet.write(block)
    return out.getvalue()


def csv_of_blank_lines(heading: str, size: int) -> bytes:
    """A heading line, then blank lines up to `size` bytes."""
    head = (heading + "\r\n").encode()
    return head + b"\n" * (size - len(head))


def form(boundary: bytes, name: str, filename: str, content: bytes) -> bytes:
    """A `multipart/form-data` body of one file part, framed with `boundary`."""
    return (
        b"--" + boundary + b"\r\n"
        b'Content-Disposition: form-data; name="' + name.encode() + b'"; filename="'
        + filename.encode() + b'"\r\nContent-Type: text/csv\r\n\r\n'
        + content + b"\r\n--" + boundary + b"--\r\n"
    )  # fmt: skip
