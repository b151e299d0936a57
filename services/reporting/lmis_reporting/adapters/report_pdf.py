"""A report as a PDF (fpdf2), for printing and signing, with the same rows as the XLSX.

The font is DejaVu Sans, shipped in `lmis_reporting/data/fonts/` with its licence
(`LICENSE-DejaVu.txt`, Bitstream Vera / Arev: free to embed and redistribute): it covers
every Vietnamese letter with its diacritics, and fpdf2 embeds the subset the document uses.
Numbers are written the Vietnamese way (1.234.567; 12,5 %), dates dd/mm/yyyy.

The file's dates are the report's `as_of`, so the same figures give the same bytes.
"""

from __future__ import annotations

from importlib import resources

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from lmis_reporting.domain.report_layout import (
    COLUMNS_VI,
    MOTTO_VI,
    NATION_VI,
    DocRow,
    document_rows,
    heading_lines,
    place_and_date,
)
from lmis_reporting.domain.report_model import Report
from lmis_reporting.domain.vietnamese import vi_number

MEDIA_TYPE = "application/pdf"
FONT = "DejaVu"
_FONTS = resources.files("lmis_reporting") / "data" / "fonts"
_WIDTHS = (120.0, 25.0, 35.0)


def render_pdf(report: Report) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_creation_date(report.as_of)
    pdf.set_title(report.title_vi)
    pdf.set_author(report.unit.issuing_body)
    pdf.set_creator("LMIS")
    pdf.set_producer("LMIS")
    with resources.as_file(_FONTS / "DejaVuSans.ttf") as regular:
        pdf.add_font(FONT, "", str(regular))
    with resources.as_file(_FONTS / "DejaVuSans-Bold.ttf") as bold:
        pdf.add_font(FONT, "B", str(bold))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    _heading(pdf, report)
    _table_head(pdf)
    for row in document_rows(report):
        _write(pdf, row)
    pdf.ln(6)
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, place_and_date(report), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(
        0,
        6,
        f"THỦ TRƯỞNG {report.unit.issuing_body.upper()}",
        align="R",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return bytes(pdf.output())


def _heading(pdf: FPDF, report: Report) -> None:
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    pdf.set_font(FONT, "B", 9)
    pdf.cell(half, 5, report.unit.issuing_body.upper(), align="C")
    pdf.cell(half, 5, NATION_VI, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(half, 5, "")
    pdf.cell(half, 5, MOTTO_VI, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 6, report.title_vi.upper(), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(FONT, "", 9)
    for text in heading_lines(report):
        pdf.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _table_head(pdf: FPDF) -> None:
    pdf.set_font(FONT, "B", 9)
    for width, name in zip(_WIDTHS, COLUMNS_VI, strict=False):
        pdf.cell(width, 6, name, border=1, align="C")
    pdf.ln(6)


def _write(pdf: FPDF, row: DocRow) -> None:
    if row.kind in ("section", "note"):
        pdf.set_font(FONT, "B" if row.kind == "section" else "", 9)
        pdf.multi_cell(sum(_WIDTHS), 6, row.label, border=1, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    pdf.set_font(FONT, "B" if row.kind == "total" else "", 9)
    has_value = row.kind != "line" or bool(row.key)
    value = vi_number(row.value, "ratio" if row.ratio else "") if has_value else ""
    label_width, unit_width, value_width = _WIDTHS
    lines = pdf.multi_cell(label_width, 5, row.label, dry_run=True, output="LINES")
    assert isinstance(lines, list)
    height = 5 * max(1, len(lines))
    if pdf.will_page_break(height):
        pdf.add_page()
    x, y = pdf.get_x(), pdf.get_y()
    pdf.multi_cell(label_width, 5, row.label, border=1)
    pdf.set_xy(x + label_width, y)
    pdf.cell(unit_width, height, row.unit, border=1, align="C")
    pdf.cell(value_width, height, value, border=1, align="R")
    pdf.set_xy(x, y + height)
