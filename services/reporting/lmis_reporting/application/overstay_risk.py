"""The `overstay_risk` view (`domain/overstay_risk.py`): the communes under a unit and the
destinations of its workers, ranked by overstay rate and by contracts ending soon, on the
clock's date. Read from the streams' facts through the same `FactsReader` as the stock
indicators, after the same check: a grant on `indicator` covering the unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lmis_reporting.application.ports import FactsReader, UnitReader
from lmis_reporting.application.queries import find_unit, scope_unit
from lmis_reporting.domain.facts import WorkerFacts
from lmis_reporting.domain.overstay_risk import UNKNOWN, RankBy, RiskRow, rank
from lmis_reporting.domain.units import Hierarchy, Unit
from lmis_shared.auth import READ, Authorizer, Principal
from lmis_shared.clock import Clock
from lmis_shared.errors import InvalidInput

MAX_HORIZON_DAYS = 366


@dataclass(frozen=True)
class OverstayRiskView:
    unit: Unit
    as_of: date
    horizon_days: int
    communes: list[RiskRow]
    """Keyed by the unit directly under `unit` (its own code for streams in it)."""
    destinations: list[RiskRow]
    """Keyed by ISO 3166 country code ('' when unknown)."""


class OverstayRisk:
    def __init__(
        self, units: UnitReader, facts: FactsReader, authorizer: Authorizer, clock: Clock
    ) -> None:
        self._units = units
        self._facts = facts
        self._authorizer = authorizer
        self._clock = clock

    async def view(
        self,
        principal: Principal,
        unit_code: str,
        hierarchy: Hierarchy,
        horizon_days: int = 90,
        by: RankBy = "overstay_rate",
    ) -> OverstayRiskView:
        if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
            raise InvalidInput("within_days", f"must be between 1 and {MAX_HORIZON_DAYS}")
        unit = await find_unit(self._units, hierarchy, unit_code, "unit")
        self._authorizer.check(principal, READ, scope_unit(unit), "indicator")
        rows = await self._facts.facts_under("worker", hierarchy, unit.code)
        workers = [(child or unit.code, f) for child, f in rows if isinstance(f, WorkerFacts)]
        today = self._clock.today()
        by_country = [(f.destination_country or UNKNOWN, f) for _, f in workers]
        return OverstayRiskView(
            unit,
            today,
            horizon_days,
            rank(workers, today, horizon_days, by),
            rank(by_country, today, horizon_days, by),
        )
