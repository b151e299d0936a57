"""Early warning: where a flow indicator's year will end, and whether that meets its target.

For the current year only (the clock's), for a flow that is not a ratio and has a yearly
target (`basis` `year`): `forecast` is the expected value at 31 December, `on_track` whether
the forecast meets the target by its comparison, `forecast_method` which projection made it:
* `seasonal` when any of the `SEASONAL_YEARS` earlier years counted anything over the same
  span (1 January to the same day, the day's month taken pro rata since counts are monthly):
  so far ÷ the share of those years that the span held (`domain/pace.seasonal_projection`);
* `straight_line` otherwise: so far × days in the year ÷ days elapsed (`projected_by_year_end`).
The value so far is the one the caller was answered; earlier years are measured through the
same `Measures` (same unit, same counting), so a forecast can be checked by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from lmis_reporting.application.measures import Measures, Number, Scope
from lmis_reporting.domain.catalogue import IndicatorDefinition
from lmis_reporting.domain.pace import (
    SEASONAL_YEARS,
    projected_by_year_end,
    seasonal_projection,
    share_of_month,
)
from lmis_reporting.domain.targets import AppliedTarget, met
from lmis_reporting.domain.units import Unit

Method = Literal["seasonal", "straight_line"]


@dataclass(frozen=True)
class Pace:
    forecast: float
    method: Method
    years: tuple[int, ...]
    """The earlier years a seasonal forecast drew on (none for a straight line)."""
    on_track: bool | None

    @property
    def label(self) -> str:
        """The method as the API and the dashboard name it: `seasonal (2024, 2025)`."""
        if not self.years:
            return self.method
        return f"{self.method} ({', '.join(str(y) for y in self.years)})"


async def pace(
    measures: Measures,
    indicator: IndicatorDefinition,
    unit: Unit,
    applied: AppliedTarget,
    so_far: Number | None,
    today: date,
) -> Pace | None:
    """The forecast of `indicator` in `unit` for `today`'s year, None where none applies."""
    if indicator.kind != "flow" or indicator.is_ratio or applied.basis != "year":
        return None
    if so_far is None or applied.start.year != today.year:
        return None
    earlier, years = [], []
    for year in range(today.year - SEASONAL_YEARS, today.year):
        span, whole = await _same_span(measures, indicator.code, unit, year, today)
        if whole > 0:
            earlier.append((span, whole))
            years.append(year)
    seasonal = seasonal_projection(float(so_far), earlier)
    if seasonal is not None:
        return Pace(seasonal, "seasonal", tuple(years), met(seasonal, applied))
    line = projected_by_year_end(float(so_far), today, today.year)
    if line is None:
        return None
    return Pace(line, "straight_line", (), met(line, applied))


async def _same_span(
    measures: Measures, code: str, unit: Unit, year: int, today: date
) -> tuple[float, float]:
    """(1 January to `today`'s day and month in `year`, the whole of `year`)."""
    first = date(year, 1, 1)
    month = date(year, today.month, 1)
    last = date(year, 12, 31)
    whole = await _flow(measures, code, unit, first, last)
    before = await _flow(measures, code, unit, first, month - timedelta(days=1))
    this_month = await _flow(measures, code, unit, month, _month_end(month))
    return before + this_month * share_of_month(today), whole


async def _flow(measures: Measures, code: str, unit: Unit, start: date, end: date) -> float:
    if end < start:
        return 0.0
    value = (await measures.measure(code, Scope(unit, start, end, end))).value
    return float(value or 0)


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
