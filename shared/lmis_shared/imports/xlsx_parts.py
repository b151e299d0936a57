"""The small parts of an XLSX workbook the sheet reader needs: where the sheet is, the shared
strings, which cell styles are dates, and the workbook's date system.

Every part is read with expat as a stream (no tree is built), and a part that declares a
DOCTYPE is refused: a spreadsheet program never writes one, and entity tricks need one.
openpyxl's own date rules (`is_date_format`, `BUILTIN_FORMATS`, `from_excel`) decide what a
date cell is, so a date reads as openpyxl read it.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

from lmis_shared.imports.errors import UnreadableFile

_CHUNK = 64 * 1024
_WORKBOOK = "xl/workbook.xml"
_RELS = "xl/_rels/workbook.xml.rels"
_STRINGS = "xl/sharedStrings.xml"
_STYLES = "xl/styles.xml"
_TRUE = ("1", "true")

Start = Callable[[str, dict[str, str]], None]
End = Callable[[str], None]
Text = Callable[[str], None]


def local(name: str) -> str:
    """An element's or attribute's name without its namespace prefix (`x:row` → `row`)."""
    return name.rpartition(":")[2]


def parser(start: Start, end: End | None = None, text: Text | None = None) -> expat.XMLParserType:
    """An expat parser with these handlers that refuses a DOCTYPE (and so any entity)."""
    xml = expat.ParserCreate()
    xml.buffer_text = True
    xml.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    xml.StartDoctypeDeclHandler = _no_doctype
    xml.StartElementHandler = start
    if end is not None:
        xml.EndElementHandler = end
    if text is not None:
        xml.CharacterDataHandler = text
    return xml


def _no_doctype(*_: object) -> None:
    raise UnreadableFile("the workbook declares a DOCTYPE: it is not one a spreadsheet wrote")


def feed(xml: expat.XMLParserType, stream: IO[bytes]) -> None:
    try:
        while chunk := stream.read(_CHUNK):
            xml.Parse(chunk, False)
        xml.Parse(b"", True)
    except expat.ExpatError as error:
        raise UnreadableFile(f"the workbook's XML is malformed ({error.code})") from None


def _elements(
    archive: zipfile.ZipFile, name: str, wanted: set[str]
) -> list[tuple[str, dict[str, str]]]:
    """(local name, attributes) of the part's elements named in `wanted`, in order."""
    found: list[tuple[str, dict[str, str]]] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if (tag := local(tag)) in wanted:
            found.append((tag, attrs))

    if name in archive.NameToInfo:
        with archive.open(name) as stream:
            feed(parser(start), stream)
    return found


@dataclass
class Workbook:
    sheets: dict[str, str]
    """Sheet name → its part's path in the archive, in the workbook's order."""
    strings: list[str] = field(default_factory=list)
    date_styles: frozenset[int] = frozenset()
    duration_styles: frozenset[int] = frozenset()
    epoch: object = CALENDAR_WINDOWS_1900


def workbook(archive: zipfile.ZipFile) -> Workbook:
    if _WORKBOOK not in archive.NameToInfo:
        raise UnreadableFile("the file is a ZIP archive but not an XLSX workbook")
    parts = _elements(archive, _WORKBOOK, {"sheet", "workbookPr"})
    targets = {
        a.get("Id", ""): _part_path(a.get("Target", ""))
        for _, a in _elements(archive, _RELS, {"Relationship"})
    }
    sheets: dict[str, str] = {}
    date1904 = False
    for tag, attrs in parts:
        if tag == "workbookPr":
            date1904 = attrs.get("date1904", "").lower() in _TRUE
            continue
        rel = next((v for k, v in attrs.items() if local(k) == "id"), "")
        if rel in targets:
            sheets[attrs.get("name", "")] = targets[rel]
    dates, durations = _date_styles(archive)
    return Workbook(
        sheets,
        _shared_strings(archive),
        dates,
        durations,
        CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900,
    )


def _part_path(target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join("xl", target))


def _date_styles(archive: zipfile.ZipFile) -> tuple[frozenset[int], frozenset[int]]:
    """The indices of the cell styles (`cellXfs`) whose number format is a date (a
    duration)."""
    custom: dict[int, str] = {}
    formats: list[int] = []
    in_cell_xfs = False

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal in_cell_xfs
        tag = local(tag)
        if tag == "numFmt":
            custom[_int(attrs.get("numFmtId"))] = attrs.get("formatCode", "")
        elif tag == "cellXfs":
            in_cell_xfs = True
        elif tag == "xf" and in_cell_xfs:
            formats.append(_int(attrs.get("numFmtId")))

    def end(tag: str) -> None:
        nonlocal in_cell_xfs
        if local(tag) == "cellXfs":
            in_cell_xfs = False

    if _STYLES in archive.NameToInfo:
        with archive.open(_STYLES) as stream:
            feed(parser(start, end), stream)
    codes = [custom.get(f) or BUILTIN_FORMATS.get(f, "") for f in formats]
    dates = frozenset(i for i, code in enumerate(codes) if code and is_date_format(code))
    durations = frozenset(i for i in dates if is_timedelta_format(codes[i]))
    return dates, durations


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        raise UnreadableFile("the workbook's styles are malformed") from None


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    """Each shared string's text: its runs joined, phonetic guides (`rPh`) left out, as
    openpyxl reads them."""
    strings: list[str] = []
    pieces: list[str] = []
    depth_in_phonetic = 0
    in_text = False

    def start(tag: str, _: dict[str, str]) -> None:
        nonlocal depth_in_phonetic, in_text
        tag = local(tag)
        if tag == "si":
            pieces.clear()
        elif tag == "rPh":
            depth_in_phonetic += 1
        elif tag == "t" and not depth_in_phonetic:
            in_text = True

    def end(tag: str) -> None:
        nonlocal depth_in_phonetic, in_text
        tag = local(tag)
        if tag == "si":
            strings.append("".join(pieces).replace("x005F_", ""))
        elif tag == "rPh":
            depth_in_phonetic -= 1
        elif tag == "t":
            in_text = False

    def text(data: str) -> None:
        if in_text:
            pieces.append(data)

    if _STRINGS in archive.NameToInfo:
        with archive.open(_STRINGS) as stream:
            feed(parser(start, end, text), stream)
    return strings
