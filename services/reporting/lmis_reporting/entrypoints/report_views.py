"""Response models of the report routes: a report as JSON, its filings, a period's status."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from lmis_reporting.application.filings import PeriodStatus, filing_body
from lmis_reporting.domain.filings import Filing
from lmis_reporting.domain.report_model import Number, Report

FORMATS = ("json", "xlsx", "pdf")


def document_url(kind: str, unit: str, period: str, fmt: str) -> str:
    """The stable address of a report's document (the dashboard links to it)."""
    return f"/v1/reports/{kind}/{unit}/{period}?format={fmt}"


class RowOut(BaseModel):
    key: str
    label: str
    value: Number | None


class TargetFigureOut(BaseModel):
    value: float
    comparison: str
    progress: float | None
    met: bool | None


class LineOut(BaseModel):
    indicator: str
    label_vi: str
    unit_of_measure: str
    by: str | None
    total: Number | None
    rows: list[RowOut]
    target: TargetFigureOut | None
    list_url: str
    """The indicator API's answer behind the line (same unit, period and date)."""


class SectionOut(BaseModel):
    code: str
    title_vi: str
    available: bool
    unavailable_vi: str | None
    lines: list[LineOut]


class ReportOut(BaseModel):
    kind: str
    title_vi: str
    unit: dict[str, str]
    period: str
    period_start: date
    period_end: date
    stock_date: date
    as_of: datetime
    due_date: date
    sections: list[SectionOut]
    documents: dict[str, str]

    @classmethod
    def of(cls, report: Report) -> ReportOut:
        r = report
        return cls(
            kind=r.kind,
            title_vi=r.title_vi,
            unit=asdict(r.unit),
            period=r.period,
            period_start=r.period_start,
            period_end=r.period_end,
            stock_date=r.stock_date,
            as_of=r.as_of,
            due_date=r.due_date,
            sections=[
                SectionOut(
                    code=s.code,
                    title_vi=s.title_vi,
                    available=s.unavailable_vi is None,
                    unavailable_vi=s.unavailable_vi,
                    lines=[
                        LineOut(
                            **{
                                k: v for k, v in asdict(line).items() if k not in ("rows", "target")
                            },
                            rows=[RowOut(**asdict(row)) for row in line.rows],
                            target=TargetFigureOut(**asdict(line.target)) if line.target else None,
                            list_url=_indicator_url(line.indicator, r, line.by),
                        )
                        for line in s.lines
                    ],
                )
                for s in r.sections
            ],
            documents={f: document_url(r.kind, r.unit.code, r.period, f) for f in FORMATS},
        )


def _indicator_url(code: str, report: Report, by: str | None) -> str:
    url = f"/v1/indicators/{code}?unit={report.unit.code}&period={report.period}"
    url += f"&as_of={report.stock_date.isoformat()}"
    return url + (f"&by={by}" if by else "")


class FilingOut(BaseModel):
    kind: str
    unit: str
    period: str
    version: int
    """The report stream's version (send it back as If-Match)."""
    filing_version: int
    hierarchy: str
    as_of: datetime
    filed_on: date
    due_on: date
    late: bool
    filed_by: str
    document_sha256: dict[str, str]
    figures: dict[str, Number | None]

    @classmethod
    def of(cls, filing: Filing) -> FilingOut:
        return cls.model_validate(filing_body(filing, filing.version))


class FilingList(BaseModel):
    items: list[FilingOut]


class UnitStatusOut(BaseModel):
    unit: str
    name: str
    state: str
    """`filed`, `filed_late`, `overdue` (not filed, past due) or `not_due`."""
    latest: FilingOut | None


class StatusOut(BaseModel):
    kind: str
    unit: str
    period: str
    due_on: date
    counts: dict[str, int]
    units: list[UnitStatusOut]

    @classmethod
    def of(cls, status: PeriodStatus) -> StatusOut:
        counts: dict[str, Any] = {"filed": 0, "filed_late": 0, "overdue": 0, "not_due": 0}
        for unit in status.units:
            counts[unit.state] += 1
        return cls(
            kind=status.kind,
            unit=status.unit.code,
            period=status.period,
            due_on=status.due_on,
            counts=counts,
            units=[
                UnitStatusOut(
                    unit=u.unit_code,
                    name=u.unit_name,
                    state=u.state,
                    latest=FilingOut.of(u.latest) if u.latest else None,
                )
                for u in status.units
            ],
        )
