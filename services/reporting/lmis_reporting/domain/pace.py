"""The pace line of a yearly target: where the year ends if it goes on as it went so far.

    projected = value × days in the year / days elapsed (as_of counts)

A straight line through the year's first day: the simplest projection an official can check
by hand, and the one the plans' "at this pace" sentences use. Only flows have a pace (a stock
is already where it is); before the year starts there is nothing to project from, and on or
after 31 December the projection is the value itself. Pure: no I/O.
"""

from __future__ import annotations

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
