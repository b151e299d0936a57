"""The reporting service's read use cases. Nothing here knows HTTP or SQL.

Authorisation happens here, once, after the unit is known: administrative units are reference
data every caller may read; an indicator's figures need a grant on `indicator` whose scope
covers the unit (a commune officer sees the commune, a province officer the province).

An indicator value answers for a unit and either a period (a flow: months summed) or a date
(a stock: `as_of`, by default the clock's today, or the period's last day if that came
first). It carries the target that applies (`domain/targets.py` says which and how) and the
progress towards it. Inputs are checked in the order indicator, `by`, period, unit, so the
error names the first wrong one.

`as_of(day)` gives the same queries as the platform answered them at the end of a past day:
the counts and facts known then (`KnownReads`, events recorded up to that day) and a clock
stopped at that day's last instant, so a stock is judged on that day, a flow counts what had
been recorded of its period, and the pace is that day's.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from lmis_reporting.application.measures import Measures, Number, Scope
from lmis_reporting.application.pace import Pace, pace
from lmis_reporting.application.ports import (
    CountReader,
    FactsReader,
    KnownReads,
    MarketReader,
    TargetReader,
    UnitReader,
)
from lmis_reporting.domain.catalogue import CATALOGUE, IndicatorDefinition, find_indicator
from lmis_reporting.domain.errors import (
    InvalidAsOf,
    InvalidPeriod,
    UnitNotFound,
    UnknownDimension,
    UnknownIndicator,
)
from lmis_reporting.domain.facts import Facts
from lmis_reporting.domain.periods import Period, parse_period
from lmis_reporting.domain.targets import AppliedTarget, applicable, met
from lmis_reporting.domain.targets import progress as progress_of
from lmis_reporting.domain.units import Hierarchy, Unit
from lmis_shared.auth import READ, Authorizer, Principal
from lmis_shared.clock import VIETNAM_TZ, Clock, FixedClock


@dataclass(frozen=True)
class UnitDetail:
    unit: Unit
    ancestors: list[Unit]
    """From the province down to the parent."""


@dataclass(frozen=True)
class TargetView:
    applied: AppliedTarget
    compared_value: Number | None
    """What the target is measured against: the value, or its sum over the target's years."""
    progress: float | None
    met: bool | None


@dataclass(frozen=True)
class IndicatorValue:
    indicator: IndicatorDefinition
    unit: Unit
    period: Period | None
    as_of: date | None
    """The date a stock was judged on (None for a flow)."""
    value: Number | None
    by: str | None = None
    breakdown: Mapping[str, Number | None] | None = None
    target: TargetView | None = None
    pace: Pace | None = None
    """This year's forecast against a yearly target (`application/pace.py`)."""


class ReportingQueries:
    def __init__(
        self,
        units: UnitReader,
        counts: CountReader,
        facts: FactsReader,
        markets: MarketReader,
        targets: TargetReader,
        authorizer: Authorizer,
        clock: Clock,
        known_on: Callable[[date], KnownReads] | None = None,
    ) -> None:
        """`known_on(day)`: the counts and facts as known at the end of `day` (`as_of`)."""
        self._units = units
        self._authorizer = authorizer
        self._facts = facts
        self._measures = Measures(counts, facts, markets)
        self._targets = targets
        self._clock = clock
        self._known_on = known_on

    @property
    def clock(self) -> Clock:
        return self._clock

    def as_of(self, day: date | None) -> ReportingQueries:
        """The queries as they answered at the end of `day` (Vietnam), from what was recorded
        by then; these very queries for None or today. A day to come is `InvalidAsOf`."""
        today = self._clock.today()
        if day is None or day == today:
            return self
        if day > today:
            raise InvalidAsOf()
        if self._known_on is None:
            raise NotImplementedError("these queries were built without a history")
        known = self._known_on(day)
        twin = copy.copy(self)
        twin._facts = known.facts
        twin._measures = self._measures.with_reads(known.counts, known.facts)
        twin._clock = FixedClock(end_of_day(day))
        return twin

    def with_facts(self, wrap: Callable[[FactsReader], FactsReader]) -> ReportingQueries:
        """The same queries reading the streams' facts through `wrap(facts)` (a report reads
        each unit's facts once for all its lines: `application/reports.py`)."""
        twin = copy.copy(self)
        twin._measures = self._measures.with_facts(wrap(self._facts))
        return twin

    async def list_units(
        self, principal: Principal, hierarchy: Hierarchy, parent: str | None
    ) -> list[Unit]:
        """The units under `parent` in Vietnamese order; the provinces when it is None."""
        self._authorizer.check(principal, READ, None, "unit")
        if parent is not None:
            await self._unit(hierarchy, parent, field="parent")
        return await self._units.children(hierarchy, parent)

    async def unit(self, principal: Principal, hierarchy: Hierarchy, code: str) -> UnitDetail:
        self._authorizer.check(principal, READ, None, "unit")
        found = await self._unit(hierarchy, code, field="code")
        return UnitDetail(found, await self._units.ancestors(hierarchy, code))

    def catalogue(self) -> list[IndicatorDefinition]:
        """The definitions are public knowledge to any authenticated caller."""
        return list(CATALOGUE)

    async def indicator_value(
        self,
        principal: Principal,
        code: str,
        period: str | None,
        unit: str,
        hierarchy: Hierarchy,
        *,
        by: str | None = None,
        as_of: date | None = None,
    ) -> IndicatorValue:
        """The indicator over every commune under `unit`, for `period` or on `as_of`."""
        indicator = find_indicator(code)
        if indicator is None:
            raise UnknownIndicator(code)
        if by is not None and by not in indicator.dimensions:
            raise UnknownDimension(indicator.dimensions)
        parsed = parse_period(period) if period is not None else None
        if parsed is None and indicator.kind == "flow":
            raise InvalidPeriod("a flow indicator counts over a period: give one")
        found = await self._unit(hierarchy, unit, field="unit")
        self._authorizer.check(principal, READ, scope_unit(found), "indicator")
        scope = self._scope(indicator, found, parsed, as_of)
        measured = await self._measures.measure(code, scope, by)
        target = await self._target(indicator, scope, parsed, measured.value)
        forecast = None
        if target is not None and by is None:
            today = self._clock.today()
            forecast = await pace(
                self._measures, indicator, found, target.applied, measured.value, today
            )
        return IndicatorValue(
            indicator=indicator,
            unit=found,
            period=parsed,
            as_of=scope.as_of if indicator.kind == "stock" else None,
            value=measured.value,
            by=by,
            breakdown=measured.breakdown,
            target=target,
            pace=forecast,
        )

    def _scope(
        self, indicator: IndicatorDefinition, unit: Unit, period: Period | None, as_of: date | None
    ) -> Scope:
        today = self._clock.today()
        if period is not None:
            day = as_of or min(period.end, today)
            return Scope(unit, period.start, period.end, day)
        day = as_of or today
        return Scope(unit, date(day.year, 1, 1), date(day.year, 12, 31), day)

    async def _target(
        self,
        indicator: IndicatorDefinition,
        scope: Scope,
        period: Period | None,
        value: Number | None,
    ) -> TargetView | None:
        year = period.start.year if period is not None else scope.as_of.year
        unit = scope.unit
        found = await self._targets.find(indicator.code, unit.hierarchy, unit.code, year)
        applied = applicable(found, indicator, period) if found is not None else None
        if applied is None:
            return None
        compared = value
        if applied.basis == "span":
            over_span = Scope(unit, applied.start, applied.end, scope.as_of)
            compared = (await self._measures.measure(indicator.code, over_span)).value
        return TargetView(
            applied, compared, progress_of(compared, applied.value), met(compared, applied)
        )

    async def _unit(self, hierarchy: Hierarchy, code: str, *, field: str) -> Unit:
        return await find_unit(self._units, hierarchy, code, field)


async def find_unit(units: UnitReader, hierarchy: Hierarchy, code: str, field: str) -> Unit:
    """The unit, or `UnitNotFound` naming the input (`field`) that gave its code."""
    found = await units.get(hierarchy, code)
    if found is None:
        raise UnitNotFound(code, hierarchy, field)
    return found


def end_of_day(day: date) -> datetime:
    """The last instant of `day` in Vietnam, the day the platform reports in."""
    return datetime.combine(day + timedelta(days=1), time(), VIETNAM_TZ) - timedelta(microseconds=1)


def scope_unit(unit: Unit) -> str:
    """The code to check against a caller's scope, which is always a current unit.

    A legacy unit is checked by its province's code: Lai Châu (12) kept its code in 2025, so
    its officers see its legacy districts; provinces merged under a new code are admin-only
    until a legacy → current mapping is kept as data.
    """
    return unit.code if unit.hierarchy == "current" else unit.province_code


class FactsOnce:
    """A `FactsReader` that asks its inner reader once per stream type and unit, for the life
    of one report or one dashboard page (`with_facts(FactsOnce)`): their many stock lines of
    one unit at one moment load its facts once, not once per line."""

    def __init__(self, inner: FactsReader) -> None:
        self._inner = inner
        self._read: dict[tuple[str, Hierarchy, str], list[tuple[str | None, Facts]]] = {}

    async def facts_under(
        self, stream_type: str, hierarchy: Hierarchy, unit_code: str
    ) -> list[tuple[str | None, Facts]]:
        key = (stream_type, hierarchy, unit_code)
        if key not in self._read:
            self._read[key] = await self._inner.facts_under(stream_type, hierarchy, unit_code)
        return self._read[key]
