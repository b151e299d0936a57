"""The officials' dashboard: one unit's overview for a year, every figure read through the same
use cases as the indicator API (`ReportingQueries.indicator_value`, `TargetCommands`), so a
figure on the page and the API's answer for the same unit, period and date cannot differ.

Authorisation is theirs: the first indicator read checks the caller's grant and scope, so a
commune officer asking for the province gets `Forbidden` before anything is counted. The open
alerts per rule are the `alerts_open` indicator, counted from notify's alert events like every
other figure (one counting path: the report's alerts section reads the same indicator).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from lmis_reporting.application.filings import ReportFilings
from lmis_reporting.application.measures import Number
from lmis_reporting.application.queries import FactsOnce, IndicatorValue, ReportingQueries
from lmis_reporting.application.targets import TargetCommands
from lmis_reporting.domain.report_kinds import REPORT_KINDS
from lmis_reporting.domain.units import Unit
from lmis_shared.auth import Principal
from lmis_shared.clock import Clock
from lmis_shared.errors import DomainError, Forbidden

DEPARTED = "departed"
DESTINATION = "destination_country"
OVERSTAY_RATE = "overstay_rate"
FOREIGN_BY_PERMIT = (
    "foreign_workers_working",
    "foreign_workers_valid_permit",
    "foreign_workers_exempt",
    "foreign_workers_without_permit",
)
LOANS = ("loans_overdue", "loans_overdue_amount_vnd", "loans_outstanding_vnd")
ALERTS_OPEN = "alerts_open"
HEADLINE_TARGETS = (
    "departed",
    "trained_for_eps",
    "departed_high_income_share",
    "workers_registered",
    "contracts_signed",
)
"""What the provincial plans set targets for (`adapters/targets.py` seeds them)."""
DRILL_DOWN = (
    "departed",
    "workers_abroad",
    "overstaying",
    "loans_overdue",
    "foreign_workers_working",
)
"""The columns of the table of the units under the one shown (a flow over the year, or stocks)."""


@dataclass(frozen=True)
class TargetLine:
    indicator: str
    kind: str
    target: float
    value: Number | None
    progress: float | None
    projected: float | None
    """The indicator's `forecast` for 31 December (this year's flows with a yearly target)."""
    forecast_method: str | None = None
    """How it was made (`seasonal`, `straight_line`), from which earlier years."""
    forecast_years: tuple[int, ...] = ()
    on_track: bool | None = None


@dataclass(frozen=True)
class FilingLine:
    """A report kind the unit's overview offers, for its period, and who has filed it."""

    kind: str
    period: str
    states: Mapping[str, int] | None
    """Filers per state (`filed`, `filed_late`, `overdue`, `not_due`); None if unreadable."""


def offered_reports(unit: Unit, year: int, month: int) -> list[tuple[str, str]]:
    """(kind, period) of the reports a unit's overview offers: a commune files the monthly
    report; a province sees every kind (the monthly one over its communes). A monthly report
    for last month (this year's January while it is January), a yearly one for the year."""
    offered = []
    for kind in REPORT_KINDS.values():
        if unit.level == "commune" and kind.level != "commune":
            continue
        period = f"{year}-{max(month - 1, 1):02d}" if kind.period_kind == "month" else str(year)
        offered.append((kind.code, period))
    return offered


@dataclass(frozen=True)
class ChildRow:
    unit: Unit
    figures: Mapping[str, Number | None]


@dataclass(frozen=True)
class Overview:
    unit: Unit
    ancestors: list[Unit]
    year: int
    as_of: date
    targets: list[TargetLine]
    departures_by_month: list[tuple[str, Number | None]]
    """(`2026-03`, value) for each month of the year up to `as_of`."""
    departures_by_destination: Mapping[str, Number | None]
    overstay_rate: Number | None
    overstay_by_destination: Mapping[str, Number | None]
    overstay_by_unit: Mapping[str, Number | None]
    loans: Mapping[str, Number | None]
    foreign_workers: Mapping[str, Number | None]
    open_alerts: Mapping[str, Number | None]
    """Per rule (`alerts_open` on `as_of`)."""
    filing: list[FilingLine]
    children: list[ChildRow] = field(default_factory=list)

    def figures(self) -> dict[str, Number | None]:
        """Every number on the page under a stable id: what the live update sends."""
        found: dict[str, Number | None] = {}
        for line in self.targets:
            found[f"target.{line.indicator}.target"] = line.target
            found[f"target.{line.indicator}.value"] = line.value
            found[f"target.{line.indicator}.projected"] = line.projected
        found.update({f"departed.month.{m}": v for m, v in self.departures_by_month})
        found.update({f"departed.dest.{k}": v for k, v in self.departures_by_destination.items()})
        found[OVERSTAY_RATE] = self.overstay_rate
        found.update({f"overstay.dest.{k}": v for k, v in self.overstay_by_destination.items()})
        found.update({f"overstay.unit.{k}": v for k, v in self.overstay_by_unit.items()})
        found.update(self.loans)
        found.update(self.foreign_workers)
        for rule, count in self.open_alerts.items():
            found[f"alerts.{rule}"] = count
        for filing in self.filing:
            for state, count in (filing.states or {}).items():
                found[f"filing.{filing.kind}.{state}"] = count
        for row in self.children:
            found.update({f"child.{row.unit.code}.{k}": v for k, v in row.figures.items()})
        return found


class DashboardQueries:
    def __init__(
        self,
        queries: ReportingQueries,
        targets: TargetCommands,
        filings: ReportFilings,
        clock: Clock,
    ) -> None:
        self._queries = queries
        self._targets = targets
        self._filings = filings
        self._clock = clock

    def as_of(self, day: date | None) -> DashboardQueries:
        """The figures as they stood at the end of `day` (`ReportingQueries.as_of`); the
        filings shown are today's."""
        queries = self._queries.as_of(day)
        if queries is self._queries:
            return self
        return DashboardQueries(queries, self._targets, self._filings, queries.clock)

    async def overview(
        self, principal: Principal, unit_code: str, year: int | None = None
    ) -> Overview:
        """The overview of `unit_code` (authorised as the API would) for `year` (default: the
        clock's), its stocks counted on today or the year's last day if that came first."""
        today = self._clock.today()
        year = year or today.year
        as_of = min(today, date(year, 12, 31))
        queries = self._queries.with_facts(FactsOnce)  # one page, one moment
        value = _Reader(queries, principal, unit_code, year, as_of)
        total = await value(DEPARTED)  # the first read authorises the whole page
        unit = total.unit
        detail = await queries.unit(principal, unit.hierarchy, unit.code)
        months = (
            [f"{year}-{m:02d}" for m in range(1, as_of.month + 1)] if as_of.year == year else []
        )
        by_month = [(m, (await value(DEPARTED, period=m)).value) for m in months]
        overstay = await value(OVERSTAY_RATE, by=DESTINATION)
        is_leaf = unit.level == "commune"
        return Overview(
            unit=unit,
            ancestors=detail.ancestors,
            year=year,
            as_of=as_of,
            targets=await self._target_lines(principal, value, unit, year),
            departures_by_month=by_month,
            departures_by_destination=_breakdown(await value(DEPARTED, by=DESTINATION)),
            overstay_rate=overstay.value,
            overstay_by_destination=_breakdown(overstay),
            overstay_by_unit={} if is_leaf else _breakdown(await value(OVERSTAY_RATE, by="unit")),
            loans={code: (await value(code)).value for code in LOANS},
            foreign_workers={code: (await value(code)).value for code in FOREIGN_BY_PERMIT},
            open_alerts=_breakdown(await value(ALERTS_OPEN, by="rule")),
            filing=await self._filing(principal, unit, year, as_of),
            children=[] if is_leaf else await self._children(queries, principal, value, unit),
        )

    async def _target_lines(
        self, principal: Principal, value: _Reader, unit: Unit, year: int
    ) -> list[TargetLine]:
        lines = []
        for code in await self._targeted(principal, unit, year):
            found = await value(code)
            view = found.target
            if view is None:
                continue
            # the indicator's own forecast (`application/pace.py`), as the API answers it:
            # this year's flows with a yearly target only
            pace = found.pace
            lines.append(
                TargetLine(
                    indicator=code,
                    kind=found.indicator.kind,
                    target=view.applied.value,
                    value=view.compared_value,
                    progress=view.progress,
                    projected=pace.forecast if pace else None,
                    forecast_method=pace.method if pace else None,
                    forecast_years=pace.years if pace else (),
                    on_track=pace.on_track if pace else None,
                )
            )
        return lines

    async def _filing(
        self, principal: Principal, unit: Unit, year: int, as_of: date
    ) -> list[FilingLine]:
        lines = []
        for kind, period in offered_reports(unit, year, as_of.month):
            try:
                status = await self._filings.status(principal, kind, unit.code, period, "current")
            except DomainError:  # a role that may not read filings still gets the buttons
                lines.append(FilingLine(kind, period, None))
                continue
            states: Counter[str] = Counter(str(filer.state) for filer in status.units)
            lines.append(FilingLine(kind, period, dict(states)))
        return lines

    async def _targeted(self, principal: Principal, unit: Unit, year: int) -> list[str]:
        """The indicators with a target for the year: the list of targets, for a role that
        may read it; the plans' headline indicators for one that may read indicators only
        (their values carry their targets, which the indicator API shows it too)."""
        try:
            rows = await self._targets.list_targets(principal, unit.hierarchy, unit.code, year)
        except Forbidden:
            return list(HEADLINE_TARGETS)
        return list(dict.fromkeys(r.indicator for r in rows if r.kind == "target"))

    async def _children(
        self, queries: ReportingQueries, principal: Principal, value: _Reader, unit: Unit
    ) -> list[ChildRow]:
        units = await queries.list_units(principal, unit.hierarchy, unit.code)
        columns = {code: _breakdown(await value(code, by="unit")) for code in DRILL_DOWN}
        return [
            # a unit with no row counted nothing: 0, not "unknown"
            ChildRow(child, {code: columns[code].get(child.code, 0) for code in DRILL_DOWN})
            for child in units
        ]


class _Reader:
    """One indicator read for the page's unit: the year for a flow, `as_of` for a stock."""

    def __init__(
        self, queries: ReportingQueries, principal: Principal, unit: str, year: int, as_of: date
    ) -> None:
        self._queries = queries
        self._principal = principal
        self._unit = unit
        self._year = year
        self._as_of = as_of

    async def __call__(
        self, code: str, *, period: str | None = None, by: str | None = None
    ) -> IndicatorValue:
        return await self._queries.indicator_value(
            self._principal,
            code,
            period or str(self._year),
            self._unit,
            "current",
            by=by,
            as_of=self._as_of,
        )


def _breakdown(found: IndicatorValue) -> dict[str, Number | None]:
    return dict(found.breakdown or {})
