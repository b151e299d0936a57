"""The pace line of a yearly target: where the year ends if it goes on as it went so far.

    projected = value × days in the year / days elapsed (as_of counts)

A straight line through the year's first day: the simplest projection an official can check
by hand, and the one the plans' "at this pace" sentences use. Only flows have a pace (a stock
is already where it is); before the year starts there is nothing to project from, and on or
after 31 December the projection is the value itself.

Where earlier years have counts, `seasonal_projection` does better: the value so far over the
share of the year the same span held before (`application/pace.py` names which method gave
a forecast). Pure: no I/O.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date


def projected_by_year_end(value: float, as_of: date, year: int) -> float | None:
    """`value` counted from 1 January of `year` to `as_of`, carried on to 31 December."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    if as_of < first:
        return None
    if as_of >= last:
        return float(value)
    elapsed = (as_of - first).days + 1
    return value * ((last - first).days + 1) / elapsed


SEASONAL_YEARS = 3
"""How many earlier years the seasonal forecast looks back at, where they have any count."""


def seasonal_projection(so_far: float, earlier: Sequence[tuple[float, float]]) -> float | None:
    """`so_far` divided by the share of a whole year that the same span held in earlier years.

    `earlier` holds, per earlier year, (the value over the same span of that year, the value
    over that whole year). Years with nothing counted are left out; the shares are pooled
    (sum of spans over sum of years), so a busy year weighs more than a quiet one. None when
    no earlier year had anything in that span (then the straight line is all there is):
    departures are seasonal (EPS rounds, Japan's April intakes), which a straight line
    through 1 January cannot see and the same months of earlier years can.
    """
    usable = [(part, whole) for part, whole in earlier if whole > 0]
    share = sum(p for p, _ in usable) / sum(w for _, w in usable) if usable else 0.0
    if share <= 0:
        return None
    return so_far / share


def share_of_month(day: date) -> float:
    """How much of `day`'s month has passed on `day` (it counts): the part of a month's
    count of an earlier year that compares with this year's month so far."""
    return day.day / calendar.monthrange(day.year, day.month)[1]
