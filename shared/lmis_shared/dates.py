"""The date rules every recorded fact shares: it has happened (not in the future), and it does
not come before the fact it follows. Refusals name the field, never the value."""

from __future__ import annotations

from datetime import date

from lmis_shared.errors import InvalidInput


def happened(field: str, day: date | None, today: date) -> date:
    """The day of a fact being recorded (`today` when not given); refused in the future."""
    day = today if day is None else day
    if day > today:
        raise InvalidInput(field, "must not be in the future")
    return day


def not_before(field: str, day: date, earlier: date | None, what: str) -> date:
    """`day`, refused when it comes before `earlier` (the date of `what`, e.g. "departure")."""
    if earlier is not None and day < earlier:
        raise InvalidInput(field, f"must not be before the {what} ({earlier.isoformat()})")
    return day
