"""The bench's workbook as Excel saves it: openpyxl writes every text cell as an inline string
(`t="inlineStr"`, `<is><t>…</t></is>`); Excel writes each distinct text once in
`xl/sharedStrings.xml` and the cell as its index (`t="s"`, `<v>12</v>`), and `spans` on
each row. The reader takes the two paths (`xlsx_source.py`), so the bench measures both."""

from __future__ import annotations

import io
import re
import zipfile

_INLINE_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t>(.*?)</t></is></c>', re.S)
_ROW = re.compile(rb'<row r="([0-9]+)">')
_RELATIONSHIP = (
    b'<Relationship Id="rIdSharedStrings" Target="sharedStrings.xml" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
)
_CONTENT_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sharedStrings+xml"/>'
)


def with_shared_strings(book: bytes) -> bytes:
    """`book` (as openpyxl wrote it: the texts are escaped already) with shared strings."""
    strings: dict[bytes, int] = {}

    def shared(cell: re.Match[bytes]) -> bytes:
        index = strings.setdefault(cell.group(2), len(strings))
        return b'<c r="%s" t="s"><v>%d</v></c>' % (cell.group(1), index)

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(book)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                content = _ROW.sub(rb'<row r="\1" spans="1:8">', _INLINE_CELL.sub(shared, content))
            elif info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b"</Relationships>", _RELATIONSHIP + b"</Relationships>")
            elif info.filename == "[Content_Types].xml":
                content = content.replace(b"</Types>", _CONTENT_TYPE + b"</Types>")
            target.writestr(info.filename, content)
        items = b"".join(b"<si><t>%s</t></si>" % text for text in strings)
        target.writestr(
            "xl/sharedStrings.xml",
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'count="%d" uniqueCount="%d">%s</sst>' % (len(strings), len(strings), items),
        )
    return out.getvalue()
