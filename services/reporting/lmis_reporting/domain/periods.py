"""Reporting periods: a month (`2026-11`), a quarter (`2026-Q4`) or a year (`2026`).

Indicator counts are kept per month (the first day of the month stands for it), so every
period is a whole number of months, given here as inclusive first and last days.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from lmis_reporting.domain.errors import InvalidPeriod

PeriodKind = Literal["month", "quarter", "year"]

_FORMS: list[tuple[PeriodKind, re.Pattern[str]]] = [
    ("month", re.compile(r"(?P<year>[0-9]{4})-(?P<n>[0-9]{2})")),
    ("quarter", re.compile(r"(?P<year>[0-9]{4})-[Qq](?P<n>[0-9])")),
    ("year", re.compile(r"(?P<year>[0-9]{4})")),
]
_EXPECTED = "a month (2026-11), a quarter (2026-Q4) or a year (2026)"


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date
    """First day, inclusive."""
    end: date
    """Last day, inclusive."""

    @property
    def label(self) -> str:
        """The canonical spelling: `2026-11`, `2026-Q4` or `2026`."""
        # four digits always: strftime's %Y gives "1" for year 1 on glibc
        year = f"{self.start.year:04d}"
        if self.kind == "month":
            return f"{year}-{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{year}-Q{(self.start.month - 1) // 3 + 1}"
        return year

    def months(self) -> list[date]:
        """The first day of each month in the period, in order."""
        first = self.start.year * 12 + self.start.month - 1
        last = self.end.year * 12 + self.end.month - 1
        return [date(m // 12, m % 12 + 1, 1) for m in range(first, last + 1)]


def parse_period(text: str) -> Period:
    """Read `2026-11`, `2026-Q4` or `2026`; anything else raises `InvalidPeriod`."""
    cleaned = text.strip()
    for kind, pattern in _FORMS:
        match = pattern.fullmatch(cleaned)
        if match:
            return _period(kind, int(match["year"]), int(match["n"]) if kind != "year" else 0)
    raise InvalidPeriod(f"expected {_EXPECTED}")


def _period(kind: PeriodKind, year: int, n: int) -> Period:
    if year < 1:
        raise InvalidPeriod("the year must be 0001 or later")
    if kind == "month":
        if not 1 <= n <= 12:
            raise InvalidPeriod("the month must be 01 to 12")
        return Period(kind, date(year, n, 1), _last_day(year, n))
    if kind == "quarter":
        if not 1 <= n <= 4:
            raise InvalidPeriod("the quarter must be Q1 to Q4")
        return Period(kind, date(year, 3 * n - 2, 1), _last_day(year, 3 * n))
    return Period(kind, date(year, 1, 1), date(year, 12, 31))


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])
