"""The legal limits the permits domain applies, as one value handed in by the bootstrap.

Decree 152/2020/ND-CP (amended by Decree 70/2023) sets them today; domain.md marks the
extension window *(check)*: the law has changed several times and provinces differ, so every
figure here comes from settings (`PermitsSettings`) rather than from the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class PermitRules:
    max_permit_years: int = 2
    max_extension_years: int = 2
    max_exemption_years: int = 2
    extension_opens_days_before: int = 45
    """An extension may be applied for from this many days before expiry…"""
    extension_closes_days_before: int = 5
    """…until this many days before it."""
    expiring_within_days: int = 45
    """The default horizon of the `expiring` permit status."""
    minimum_age: int = 18  # Labour Code 2019, art. 151: a foreign worker is at least 18
    vietnamese_first_days: int = 15
    """Decree 70/2023: the position is announced for Vietnamese workers at least this many days
    before the demand is explained (`domain/vietnamese_first.py`)…"""
    vietnamese_first_from: date = date(2024, 1, 1)
    """…for demands explained from this day on."""

    def __post_init__(self) -> None:
        if self.extension_opens_days_before <= self.extension_closes_days_before:
            raise ValueError("the extension window must open before it closes")

    def extension_window(self, expiry: date) -> tuple[date, date]:
        """The first and last day on which an extension of a permit may be applied for."""
        return (
            expiry - timedelta(days=self.extension_opens_days_before),
            expiry - timedelta(days=self.extension_closes_days_before),
        )


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
