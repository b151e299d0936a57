"""The reporting service's read use cases. Nothing here knows HTTP or SQL.

Authorisation happens here, once, after the unit is known: administrative units are reference
data every caller may read; an indicator's figures need a grant on `indicator` whose scope
covers the unit (a commune officer sees the commune, a province officer the province).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from lmis_reporting.domain.catalogue import CATALOGUE, IndicatorDefinition, find_indicator
from lmis_reporting.domain.errors import UnitNotFound, UnknownIndicator
from lmis_reporting.domain.periods import Period, parse_period
from lmis_reporting.domain.units import Hierarchy, Unit
from lmis_shared.auth import READ, Authorizer, Principal


class UnitReader(Protocol):
    async def get(self, hierarchy: Hierarchy, code: str) -> Unit | None: ...

    async def children(self, hierarchy: Hierarchy, parent_code: str | None) -> list[Unit]: ...

    async def ancestors(self, hierarchy: Hierarchy, code: str) -> list[Unit]: ...


class CountReader(Protocol):
    async def total(
        self, indicator: str, hierarchy: Hierarchy, unit_code: str, start: date, end: date
    ) -> int: ...


@dataclass(frozen=True)
class UnitDetail:
    unit: Unit
    ancestors: list[Unit]
    """From the province down to the parent."""


@dataclass(frozen=True)
class IndicatorValue:
    indicator: IndicatorDefinition
    unit: Unit
    period: Period
    value: int


class ReportingQueries:
    def __init__(self, units: UnitReader, counts: CountReader, authorizer: Authorizer) -> None:
        self._units = units
        self._counts = counts
        self._authorizer = authorizer

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
        self, principal: Principal, code: str, period: str, unit: str, hierarchy: Hierarchy
    ) -> IndicatorValue:
        """The indicator summed over every commune under `unit` and every month of `period`."""
        indicator = find_indicator(code)
        if indicator is None:
            raise UnknownIndicator(code)
        parsed = parse_period(period)
        found = await self._unit(hierarchy, unit, field="unit")
        self._authorizer.check(principal, READ, _scope_unit(found), "indicator")
        value = await self._counts.total(code, hierarchy, unit, parsed.start, parsed.end)
        return IndicatorValue(indicator, found, parsed, value)

    async def _unit(self, hierarchy: Hierarchy, code: str, *, field: str) -> Unit:
        found = await self._units.get(hierarchy, code)
        if found is None:
            raise UnitNotFound(code, hierarchy, field)
        return found


def _scope_unit(unit: Unit) -> str:
    """The code to check against a caller's scope, which is always a current unit.

    A legacy unit is checked by its province's code: Lai Châu (12) kept its code in 2025, so
    its officers see its legacy districts; provinces merged under a new code are admin-only
    until a legacy → current mapping is kept as data.
    """
    return unit.code if unit.hierarchy == "current" else unit.province_code
