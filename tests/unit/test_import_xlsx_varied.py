"""The streaming XLSX reader against openpyxl's read-only reading on varied sheets: the XML a
spreadsheet program or a library may write (shared and inline strings, rich text and phonetic
runs, numbers and dates by style, booleans, errors, formula results, ISO dates, sparse cells,
cells without a reference, a namespace prefix, attributes in any order, whitespace between
elements), each read to the same values in the same cells."""

from __future__ import annotations

import io
import warnings
import zipfile
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from lmis_shared.imports.xlsx_source import xlsx_rows
from tests.unit.import_files import TEMPLATE
from tests.unit.test_import_xlsx_stream import openpyxl_rows, workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet2.xml"  # the template's sheet in `workbook(write_only=True)`
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="2"><numFmt numFmtId="164" '
    'formatCode="[h]:mm:ss"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="1"><font/></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/>'
    '<xf numFmtId="165"/><xf numFmtId="49"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
"""Cell styles 0 general, 1 a date, 2 a duration, 3 a date and time, 4 text."""

TEXT = st.text(st.sampled_from("aZ09 Lò Thị Mai đặng&<>\"'\n\t"), min_size=1, max_size=12)
NUMBER = st.one_of(
    st.integers(-(10**15), 10**15).map(str),
    st.floats(-1e7, 3e6, allow_nan=False).map(repr),
    st.sampled_from(["1E-3", "2.5e2", "45000.25", "-0.0", "0"]),
)


@st.composite
def runs(draw: st.DrawFn) -> str:
    """The inside of an `<si>` or `<is>`: plain text, or rich runs; then maybe a phonetic
    guide (not part of the text)."""
    if draw(st.booleans()):
        inner = f'<x:t xml:space="preserve">{escape(draw(TEXT))}</x:t>'
    else:
        texts = draw(st.lists(TEXT, min_size=1, max_size=3))
        inner = "".join(f"<x:r><x:rPr><x:b/></x:rPr><x:t>{escape(t)}</x:t></x:r>" for t in texts)
    if draw(st.booleans()):
        inner += f'<x:rPh sb="0" eb="1"><x:t>{escape(draw(TEXT))}</x:t></x:rPh>'
    return inner


@st.composite
def cell(draw: st.DrawFn, strings: int) -> tuple[dict[str, str], str]:
    """(attributes but the reference, the inside) of one cell of a kind drawn."""
    kind = draw(st.sampled_from(["s", "inlineStr", "n", "b", "e", "str", "d"]))
    if kind == "s" and strings:
        return {"t": "s"}, f"<x:v>{draw(st.integers(0, strings - 1))}</x:v>"
    if kind == "inlineStr":
        return {"t": "inlineStr"}, f"<x:is>{draw(runs())}</x:is>"
    if kind == "b":
        return {"t": "b"}, f"<x:v>{draw(st.sampled_from('01'))}</x:v>"
    if kind == "e":
        return {"t": "e"}, f"<x:v>{draw(st.sampled_from(['#N/A', '#DIV/0!', '#REF!']))}</x:v>"
    if kind == "str":
        return {"t": "str"}, f"<x:f>A1&amp;B1</x:f><x:v>{escape(draw(TEXT))}</x:v>"
    if kind == "d":
        day = draw(st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)))
        return {"t": "d"}, f"<x:v>{day.replace(microsecond=0).isoformat()}</x:v>"
    style = draw(st.sampled_from(["", "0", "1", "2", "3", "4"]))
    return ({"s": style} if style else {}), f"<x:v>{draw(NUMBER)}</x:v>"


@st.composite
def sheets(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """(the sheet's XML, the shared strings' XML) of up to 8 rows of up to 6 sparse cells."""
    strings = draw(st.lists(runs(), max_size=5))
    gap = draw(st.sampled_from(["", "\n  "]))  # between rows and cells: pretty-printed XML
    rows, number = [], 0
    for _ in range(draw(st.integers(0, 8))):
        number += draw(st.integers(1, 3))
        cells, column = [], 0
        for _ in range(draw(st.integers(0, 6))):
            step = draw(st.integers(1, 3))
            column += step
            attrs, inner = draw(cell(len(strings)))
            if step > 1 or draw(st.booleans()):  # a cell next to the last may go unnamed
                attrs["r"] = f"{get_column_letter(column)}{number}"
            order = draw(st.permutations(sorted(attrs)))
            named = "".join(f" {k}={quoteattr(attrs[k])}" for k in order)
            cells.append(f"<x:c{named}>{inner}</x:c>")
        rows.append(f'<x:row r="{number}">{gap}{gap.join(cells)}{gap}</x:row>')
    sheet = f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>{gap.join(rows)}</x:sheetData>'
    shared = f'<x:sst xmlns:x="{MAIN}">{"".join(f"<x:si>{s}</x:si>" for s in strings)}</x:sst>'
    prefix = draw(st.sampled_from(["x:", ""]))  # a prefix, or the default namespace
    if not prefix:
        sheet, shared = (p.replace("<x:", "<").replace("</x:", "</") for p in (sheet, shared))
        sheet, shared = (p.replace("xmlns:x=", "xmlns=") for p in (sheet, shared))
    return (sheet + f"</{prefix}worksheet>").encode(), shared.encode()


def with_sheet(sheet: bytes, shared: bytes) -> bytes:
    """The test workbook with its template's sheet, styles and shared strings replaced."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook(write_only=True))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info)
            if info.filename == SHEET:
                content = sheet
            elif info.filename == "xl/styles.xml":
                content = STYLES.encode()
            elif info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://'
                    b'schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"'
                    b"/></Relationships>",
                )
            elif info.filename == "[Content_Types].xml":  # openpyxl finds the strings by it
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                    b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            target.writestr(info.filename, content)
        target.writestr("xl/sharedStrings.xml", shared)
    return out.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets())
def test_the_reader_reads_what_openpyxl_reads_on_varied_sheets(parts: tuple[bytes, bytes]) -> None:
    data = with_sheet(*parts)
    with xlsx_rows(io.BytesIO(data), TEMPLATE) as rows:
        ours = [(n, cells) for n, cells in rows if cells]
    with warnings.catch_warnings():  # openpyxl warns of a date out of range ("#VALUE!")
        warnings.simplefilter("ignore", UserWarning)
        theirs = openpyxl_rows(data)
    assert ours == theirs
