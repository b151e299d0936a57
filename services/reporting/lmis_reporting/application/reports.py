"""Computing a statutory report (`domain/report_kinds.py`) for a unit and period.

Each line is read through `ReportingQueries.indicator_value`, the very call behind
`GET /v1/indicators/{code}`, with the same unit, period and date (stocks on the period's last
day, or today if that comes first): a report's figure is the API's figure by construction, and
the caller's grant on `indicator` is checked there, for the unit, before any figure is read.

One report reads many stock lines over the same streams (workers abroad, overstaying, their
ratio...); the facts of a unit are read once per report (`FactsOnce`), not once per line.
Nothing here knows HTTP, SQL or a file format.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from lmis_reporting.application.ports import UnitReader
from lmis_reporting.application.queries import (
    FactsOnce,
    IndicatorValue,
    ReportingQueries,
    find_unit,
)
from lmis_reporting.domain.errors import InvalidPeriod, InvalidReportPeriod, UnknownReportKind
from lmis_reporting.domain.periods import Period, parse_period
from lmis_reporting.domain.report_kinds import Line, ReportKind, Section, find_report_kind
from lmis_reporting.domain.report_model import (
    LineFigures,
    Report,
    ReportUnit,
    Row,
    SectionFigures,
    TargetFigure,
    completed_rows,
    issuing_body,
    official_name,
)
from lmis_reporting.domain.units import Hierarchy, Unit
from lmis_reporting.domain.vietnamese import label_vi
from lmis_shared.auth import Principal
from lmis_shared.clock import VIETNAM_TZ, Clock


class ReportDocuments:
    def __init__(self, queries: ReportingQueries, units: UnitReader, clock: Clock) -> None:
        self._queries = queries
        self._units = units
        self._clock = clock

    def as_of(self, day: date | None) -> ReportDocuments:
        """The reports as they were computed at the end of `day` (`ReportingQueries.as_of`):
        figures, stock date and document date as of then; these very reports for None."""
        queries = self._queries.as_of(day)
        if queries is self._queries:
            return self
        return ReportDocuments(queries, self._units, queries.clock)

    async def report(
        self,
        principal: Principal,
        kind_code: str,
        unit_code: str,
        period_text: str,
        hierarchy: Hierarchy = "current",
    ) -> Report:
        kind = report_kind(kind_code)
        period = report_period(kind, period_text, "report_period")
        unit = await find_unit(self._units, hierarchy, unit_code, "report_unit")
        queries = self._queries.with_facts(FactsOnce)
        as_of = self._clock.now().astimezone(VIETNAM_TZ)
        stock_date = min(period.end, self._clock.today())
        sections = []
        for section in kind.sections:
            sections.append(
                await self._section(queries, principal, section, unit, period, stock_date)
            )
        return Report(
            kind=kind.code,
            title_vi=kind.title_vi,
            unit=ReportUnit(
                unit.code,
                unit.name,
                unit.level,
                official_name(unit.name, unit.level),
                issuing_body(unit.name, unit.level),
            ),
            period=period.label,
            period_start=period.start,
            period_end=period.end,
            stock_date=stock_date,
            as_of=as_of,
            due_date=kind.due_date(period),
            sections=tuple(sections),
        )

    async def _section(
        self,
        queries: ReportingQueries,
        principal: Principal,
        section: Section,
        unit: Unit,
        period: Period,
        stock_date: date,
    ) -> SectionFigures:
        if section.unavailable_vi is not None:
            return SectionFigures(section.code, section.title_vi, (), section.unavailable_vi)
        lines = []
        for line in section.lines:
            value = await queries.indicator_value(
                principal,
                line.indicator,
                period.label,
                unit.code,
                unit.hierarchy,
                by=line.by,
                as_of=stock_date,
            )
            lines.append(await self._line(line, value, unit))
        return SectionFigures(section.code, section.title_vi, tuple(lines))

    async def _line(self, line: Line, found: IndicatorValue, unit: Unit) -> LineFigures:
        definition = found.indicator
        rows: Sequence[Row] = ()
        if found.breakdown is not None:
            names = await self._names(unit) if line.by == "unit" else None
            additive = definition.unit_of_measure != "ratio" and line.by != "priority_groups"
            rows = [
                Row(key, label_vi(key, names), value)
                for key, value in completed_rows(found.breakdown, found.value, additive)
            ]
        target = None
        if found.target is not None:
            applied = found.target.applied
            target = TargetFigure(
                applied.value,
                applied.target.comparison.value,
                found.target.progress,
                found.target.met,
            )
        return LineFigures(
            definition.code,
            definition.definition_vi,
            definition.unit_of_measure,
            line.by,
            found.value,
            tuple(rows),
            target,
        )

    async def _names(self, unit: Unit) -> dict[str, str]:
        return {u.code: u.name for u in await self._units.children(unit.hierarchy, unit.code)}


def report_kind(code: str) -> ReportKind:
    kind = find_report_kind(code)
    if kind is None:
        raise UnknownReportKind(code)
    return kind


def report_period(kind: ReportKind, text: str, field: str) -> Period:
    """The period, which must be a month for a monthly report and a year for a yearly one;
    `field` names the input that gave it."""
    try:
        period = parse_period(text)
    except InvalidPeriod as e:
        raise InvalidReportPeriod(field, e.message) from None
    if period.kind != kind.period_kind:
        example = "2026-11" if kind.period_kind == "month" else "2026"
        raise InvalidReportPeriod(
            field, f"a {kind.code} report covers a {kind.period_kind}, e.g. {example}"
        )
    return period
