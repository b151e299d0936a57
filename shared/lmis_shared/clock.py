"""Time as an input: the only place that reads the system clock.

Deadlines, token lifetimes and report periods are computed from a `Clock` handed in by the
bootstrap, so a test can set and advance time instead of waiting for it.

Public API:
    VIETNAM_TZ                  the zone whose calendar dates the platform reports in
    Clock                       protocol: `now() -> datetime` (aware, UTC), `today() -> date`
    SystemClock()               the real clock
    FixedClock(at: datetime)    a settable clock for tests: `.set(dt)`, `.advance(delta)`
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock(Protocol):
    """Where the current instant comes from."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    def today(self) -> date:
        """Today's calendar date in Vietnam (a deadline 'on the 10th' is a Vietnamese date)."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(VIETNAM_TZ).date()


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime) -> None:
        self._now = _aware_utc(at)

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.astimezone(VIETNAM_TZ).date()

    def set(self, at: datetime) -> None:
        self._now = _aware_utc(at)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def _aware_utc(at: datetime) -> datetime:
    # A naive datetime is ambiguous (UTC? Hanoi?); refusing it keeps every instant comparable.
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("FixedClock needs a timezone-aware datetime")
    return at.astimezone(UTC)
