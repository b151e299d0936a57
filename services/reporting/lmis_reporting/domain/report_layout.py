"""A report laid out as the documents show it: the heading block, then one row per figure.

The XLSX and the PDF writers (`adapters/report_xlsx.py`, `adapters/report_pdf.py`) both walk
these rows, so the two documents say the same thing in the same order, with the same
Vietnamese labels. A figure row carries its key (`report_model.figures`) so that the XLSX can
show where each number comes from and a test can find it; a `total` row carries the span of
figure rows it adds up (the XLSX writes a SUM formula over them). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lmis_reporting.domain.report_kinds import REPORT_KINDS
from lmis_reporting.domain.report_model import LineFigures, Number, Report
from lmis_reporting.domain.vietnamese import DIMENSION_VI, period_vi, vi_date, vi_datetime

RowKind = Literal["section", "line", "figure", "total", "target", "note"]

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")

UNIT_OF_MEASURE_VI = {
    "persons": "người",
    "enrolments": "lượt",
    "completions": "lượt",
    "contracts": "hợp đồng",
    "loans": "khoản vay",
    "VND": "đồng",
    "permits": "giấy phép",
    "certificates": "giấy xác nhận",
    "alerts": "cảnh báo",
    "ratio": "%",
}

COLUMNS_VI = ("Chỉ tiêu", "Đơn vị tính", "Số liệu", "Mã số liệu")
NATION_VI = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_VI = "Độc lập - Tự do - Hạnh phúc"


@dataclass(frozen=True)
class DocRow:
    kind: RowKind
    label: str
    unit: str = ""
    value: Number | None = None
    ratio: bool = False
    key: str = ""
    sums: int = 0
    """For a `total`: how many figure rows directly above it it adds up (0: none, a value)."""


def heading_lines(report: Report) -> list[str]:
    """The lines under the title: unit, period, as of, due date."""
    kind = REPORT_KINDS[report.kind]
    period = period_vi(kind.period_kind, report.period_start)
    return [
        f"Đơn vị báo cáo: {report.unit.official_name} (mã {report.unit.code})",
        f"Kỳ báo cáo: {period} (từ ngày {vi_date(report.period_start)}"
        f" đến ngày {vi_date(report.period_end)})",
        f"Số liệu tính đến: {vi_datetime(report.as_of)}; số đang tồn tại tính đến ngày"
        f" {vi_date(report.stock_date)}",
        f"Hạn gửi báo cáo: {vi_date(report.due_date)}",
    ]


def place_and_date(report: Report) -> str:
    name = report.unit.official_name.split(" ", 1)[-1]
    day = report.as_of
    return f"{name}, ngày {day:%d} tháng {day:%m} năm {day:%Y}"


def document_rows(report: Report) -> list[DocRow]:
    rows: list[DocRow] = []
    for number, section in enumerate(report.sections):
        rows.append(DocRow("section", f"{ROMAN[number]}. {section.title_vi}"))
        if section.unavailable_vi is not None:
            rows.append(DocRow("note", section.unavailable_vi))
            continue
        for index, line in enumerate(section.lines, start=1):
            rows.extend(_line_rows(section.code, index, line))
    return rows


def _line_rows(section: str, index: int, line: LineFigures) -> list[DocRow]:
    unit = UNIT_OF_MEASURE_VI.get(line.unit_of_measure, line.unit_of_measure)
    ratio = line.unit_of_measure == "ratio"
    stem = f"{section}.{line.indicator}" + (f".{line.by}" if line.by else "")
    by = f" ({DIMENSION_VI.get(line.by, line.by)})" if line.by else ""
    title = f"{index}. {line.label_vi}{by}"
    if not line.rows:
        out = [DocRow("line", title, unit, line.total, ratio, f"{stem}.total")]
    else:
        out = [DocRow("line", title, unit)]
        out += [
            DocRow("figure", f"- {row.label}", unit, row.value, ratio, f"{stem}.{row.key}")
            for row in line.rows
        ]
        sums = len(line.rows) if line.additive else 0
        out.append(DocRow("total", "Tổng cộng", unit, line.total, ratio, f"{stem}.total", sums))
    if line.target is not None:
        t = line.target
        out.append(DocRow("target", "Chỉ tiêu kế hoạch", unit, t.value, ratio))
        out.append(DocRow("target", "Tỷ lệ thực hiện so với chỉ tiêu", "%", t.progress, True))
    return out
