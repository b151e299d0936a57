"""Where overstays are likely next: communes and destinations ranked for early action.

The plans fight overstays after the fact (family visits, propaganda); this view lets a commune
act before: per commune (the units directly under the one asked for) and per destination
country, on a date,

    abroad         workers abroad (departed, not returned; absconded and overstaying included)
    overstaying    workers reported overstaying and not returned
    overstay_rate  overstaying / abroad (None with nobody abroad)
    ending_soon    workers abroad, neither overstaying nor absconded, whose contract (as last
                   extended) ends within the horizon (90 days by default): the ones to call on

ranked by overstay rate, then by ending_soon (or the other way round, `by`), then by key.
The same stock rules as the `workers_abroad` and `overstaying` indicators
(`domain/stocks.py`), so the figures add up to them. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from lmis_reporting.domain.facts import WorkerFacts
from lmis_reporting.domain.stocks import abroad, overstaying

RankBy = Literal["overstay_rate", "ending_soon"]
UNKNOWN = ""
"""The key of workers whose destination is not known (no contract recorded)."""


@dataclass(frozen=True)
class RiskRow:
    key: str
    abroad: int = 0
    overstaying: int = 0
    ending_soon: int = 0

    @property
    def overstay_rate(self) -> float | None:
        return self.overstaying / self.abroad if self.abroad else None


def ending_soon(w: WorkerFacts, day: date, horizon_days: int) -> bool:
    if not abroad(w, day) or overstaying(w, day) or w.absconded_on is not None:
        return False
    end = w.contract_ends_on
    return end is not None and day <= end <= day + timedelta(days=horizon_days)


def rank(
    workers: Iterable[tuple[str, WorkerFacts]],
    day: date,
    horizon_days: int,
    by: RankBy = "overstay_rate",
) -> list[RiskRow]:
    """One row per key (a unit code, a country) of the workers abroad on `day`, ranked."""
    rows: dict[str, RiskRow] = {}
    for key, w in workers:
        if not abroad(w, day):
            continue
        row = rows.get(key, RiskRow(key))
        rows[key] = RiskRow(
            key,
            row.abroad + 1,
            row.overstaying + overstaying(w, day),
            row.ending_soon + ending_soon(w, day, horizon_days),
        )
    return sorted(rows.values(), key=_order(by))


def _order(by: RankBy) -> Callable[[RiskRow], tuple[float, float, str]]:
    def key(row: RiskRow) -> tuple[float, float, str]:
        rate = row.overstay_rate or 0.0
        if by == "overstay_rate":
            return (-rate, -row.ending_soon, row.key)
        return (-row.ending_soon, -rate, row.key)

    return key
