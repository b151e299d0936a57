"""A computed report: the figures of each line of each section, for one unit and period.

Every figure is an indicator's value as the indicator API gives it for the same unit, period
and date; a breakdown's rows are completed with an explicit "unknown" row when they do not add
up to the total (a fact recorded without that attribute), so a sum of the rows, as the XLSX
writes it, is always the total. Ratios and multi-valued breakdowns are never summed.

`figures()` flattens a report into `{key: value}` — what a filing stores and a test compares.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

Number = int | float

UNKNOWN = "__unknown__"
"""The key of the row that holds what no value of the breakdown accounts for."""


@dataclass(frozen=True)
class Row:
    key: str
    """The dimension's value (a country code, a unit code...), or UNKNOWN."""
    label: str
    value: Number | None


@dataclass(frozen=True)
class TargetFigure:
    value: float
    comparison: str
    progress: float | None
    met: bool | None


@dataclass(frozen=True)
class LineFigures:
    indicator: str
    label_vi: str
    unit_of_measure: str
    by: str | None
    total: Number | None
    rows: tuple[Row, ...] = ()
    target: TargetFigure | None = None

    @property
    def additive(self) -> bool:
        """Whether the rows add up to the total (a count or an amount, not a ratio)."""
        return self.unit_of_measure != "ratio"


@dataclass(frozen=True)
class SectionFigures:
    code: str
    title_vi: str
    lines: tuple[LineFigures, ...] = ()
    unavailable_vi: str | None = None


@dataclass(frozen=True)
class ReportUnit:
    code: str
    name: str
    level: str
    official_name: str
    issuing_body: str


@dataclass(frozen=True)
class Report:
    kind: str
    title_vi: str
    unit: ReportUnit
    period: str
    period_start: date
    period_end: date
    stock_date: date
    """The date the stocks (abroad, outstanding, working...) are counted on."""
    as_of: datetime
    """When the figures were read."""
    due_date: date
    sections: tuple[SectionFigures, ...]


def completed_rows(
    breakdown: Mapping[str, Number | None], total: Number | None, additive: bool
) -> list[tuple[str, Number | None]]:
    """The breakdown's rows, plus an UNKNOWN row when they do not add up to the total."""
    rows = list(breakdown.items())
    if not additive or total is None:
        return rows
    known = sum(value or 0 for _, value in rows)
    if known != total:
        rows.append((UNKNOWN, total - known))
    return rows


def figures(report: Report) -> dict[str, Number | None]:
    """`section.indicator[.by].key` -> value, `….total` for each line's total."""
    out: dict[str, Number | None] = {}
    for section in report.sections:
        for line in section.lines:
            stem = f"{section.code}.{line.indicator}" + (f".{line.by}" if line.by else "")
            out[f"{stem}.total"] = line.total
            for row in line.rows:
                out[f"{stem}.{row.key}"] = row.value
    return out


def official_name(name: str, level: str) -> str:
    """The unit's name as a document heads it: "Lai Châu" -> "Tỉnh Lai Châu"."""
    kinds = ("Tỉnh ", "Thành phố ", "Xã ", "Phường ", "Đặc khu ", "Thị trấn ")
    if level == "province" and not name.startswith(kinds):
        return f"Tỉnh {name}"
    return name


def issuing_body(name: str, level: str) -> str:
    """Who signs: the commune's people's committee, or the provincial department (Sở Nội vụ,
    which took over labour from 1 March 2025)."""
    official = official_name(name, level)
    lowered = official[0].lower() + official[1:]
    if level == "province":
        return f"Sở Nội vụ {lowered}"
    return f"Ủy ban nhân dân {lowered}"
