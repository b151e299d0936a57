"""Targets: what a plan asks of an indicator, in a unit and a year, and how a value compares.

A target is a row of data (the seeds' plans are loaded by migration; officers set others
through the API). Its `value` covers the years `first_year`..`year`: one year for most
("≥ 450 departures a year"), several for a plan's total ("200 trained for EPS by 2025",
2023–2025). A baseline is the same shape, kind `baseline`: what happened before a plan.

Which target a value is compared with (the choice, documented in the API as well):
* a year period: that year's target as it is;
* a month or a quarter: a flow's yearly target pro-rated by months (450 a year is 112.5 a
  quarter: a pace, not a promise, since departures are seasonal); a stock's or a ratio's
  target as it is (a level or a share does not scale with time);
* a target over several years is compared only with a year period naming its last year, and
  then with the value summed over all its years (basis `span`), not the year's alone.
`progress` is the value over the target (1.0 = reached), None without a target or a value.

Setting a target is a command on the target's aggregate: one stream (type `target`) per
indicator, unit and year, whose events (`TargetSet`) say what it was set to; `decide` refuses
a target no comparison could use and decides nothing when the target already says what is
asked. A seeded target has a row but no stream: `decide` compares with it (`seeded`) until
the stream's first event. Pure: no I/O.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any, Literal

from lmis_reporting.domain.catalogue import IndicatorDefinition
from lmis_reporting.domain.errors import InvalidTarget
from lmis_reporting.domain.periods import Period
from lmis_reporting.domain.units import Hierarchy
from lmis_shared.commands import Aggregate, VersionedState
from lmis_shared.contracts.reporting import TargetComparison, TargetSet
from lmis_shared.errors import NotFound
from lmis_shared.events import EventPayload

TargetKind = Literal["target", "baseline"]
Basis = Literal["year", "pro_rated", "span"]
FIRST_YEAR, LAST_YEAR = 1990, 2100
_MAX_SPAN_YEARS = 20
_STREAMS = uuid.UUID("4ebe1df7-8be3-40f1-8e9f-c46cd294b25b")
"""Namespace of the targets' stream ids: one stream per indicator, unit and year."""


@dataclass(frozen=True)
class TargetFigures:
    """What a target asks: a value of an indicator, in a unit, over one or more years."""

    indicator: str
    hierarchy: Hierarchy
    unit_code: str
    year: int
    """The last (or only) year the value covers."""
    first_year: int
    value: float
    comparison: TargetComparison
    source: str
    """The plan or decision it comes from."""

    def figures(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(TargetFigures)}


@dataclass(frozen=True)
class Target(TargetFigures):
    """A target's row, as the reads see it."""

    kind: TargetKind = "target"
    set_by: str = "seed"
    """The officer id of the last change (`seed`: loaded with the platform)."""
    set_at: datetime | None = None
    version: int = 0
    """Of its stream in the event store (0: seeded, never set through the API)."""

    @property
    def spans_years(self) -> bool:
        return self.first_year < self.year


@dataclass(frozen=True)
class AppliedTarget:
    """The target as compared with a value: maybe pro-rated, maybe over several years."""

    target: Target
    value: float
    basis: Basis
    start: date
    """First day of the span of the value it is compared with."""
    end: date


def target_stream_id(indicator: str, hierarchy: str, unit_code: str, year: int) -> uuid.UUID:
    return uuid.uuid5(_STREAMS, f"{indicator}/{hierarchy}/{unit_code}/{year}")


def applicable(
    target: Target, indicator: IndicatorDefinition, period: Period | None
) -> AppliedTarget | None:
    """How `target` applies to a value of `period` (None: it does not)."""
    if target.spans_years:
        if period is None or period.kind != "year":
            return None
        start, end = date(target.first_year, 1, 1), date(target.year, 12, 31)
        return AppliedTarget(target, target.value, "span", start, end)
    if period is not None and period.kind != "year" and _scales(indicator):
        months = len(period.months())
        return AppliedTarget(
            target, target.value * months / 12, "pro_rated", period.start, period.end
        )
    start = period.start if period else date(target.year, 1, 1)
    end = period.end if period else date(target.year, 12, 31)
    return AppliedTarget(target, target.value, "year", start, end)


def _scales(indicator: IndicatorDefinition) -> bool:
    return indicator.kind == "flow" and not indicator.is_ratio


def progress(value: float | None, target: float) -> float | None:
    if value is None or target == 0:
        return None
    return value / target


def met(value: float | None, applied: AppliedTarget) -> bool | None:
    """Whether the value meets the target's comparison (None without a value)."""
    if value is None:
        return None
    goal = applied.value
    match applied.target.comparison:
        case TargetComparison.at_least:
            return value >= goal
        case TargetComparison.more_than:
            return value > goal
        case TargetComparison.at_most:
            return value <= goal
        case TargetComparison.less_than:
            return value < goal


def check_target(indicator: IndicatorDefinition, year: int, first_year: int, value: float) -> None:
    """Refuse a target the comparisons above could not use; each error names its input."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidTarget("year", f"must be {FIRST_YEAR} to {LAST_YEAR}")
    if not year - _MAX_SPAN_YEARS < first_year <= year:
        raise InvalidTarget("first_year", f"must be the year or up to {_MAX_SPAN_YEARS - 1} before")
    if first_year < year and indicator.kind != "flow":
        raise InvalidTarget("first_year", "only a flow indicator sums over several years")
    if value < 0:
        raise InvalidTarget("value", "must not be negative")
    if indicator.is_ratio and value > 1:
        raise InvalidTarget("value", "a ratio target is a share from 0 to 1")


# -- the aggregate -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SetTarget:
    indicator: str
    hierarchy: Hierarchy
    unit_code: str
    year: int
    value: float
    source: str
    comparison: TargetComparison = TargetComparison.at_least
    first_year: int | None = None
    """None: the target covers `year` alone."""


@dataclass(frozen=True)
class TargetState(TargetFigures, VersionedState):
    """A target's stream: what its last `TargetSet` said."""

    id: uuid.UUID
    version: int

    def target(self, set_by: str, set_at: datetime | None) -> Target:
        """The row the reads see, after a change by `set_by` at `set_at`."""
        return Target(**self.figures(), set_by=set_by, set_at=set_at, version=self.version)


def decide(
    state: TargetState | None,
    command: SetTarget,
    *,
    indicator: IndicatorDefinition,
    seeded: Target | None = None,
) -> list[EventPayload]:
    """The event setting the target; none if it (or the seed, before any event) says it."""
    first_year = command.first_year if command.first_year is not None else command.year
    check_target(indicator, command.year, first_year, command.value)
    wanted = TargetSet(**(asdict(command) | {"first_year": first_year}))
    current = state if state is not None else seeded
    if current is not None and _figures(current) == _figures(wanted):
        return []
    return [wanted]


def _figures(t: TargetState | Target | TargetSet) -> tuple[object, ...]:
    return (t.first_year, t.value, t.comparison, t.source)


def evolve(state: TargetState | None, event: EventPayload, stream_id: uuid.UUID) -> TargetState:
    if not isinstance(event, TargetSet):
        raise ValueError(f"{event.event_type} is no event of a target")
    version = state.version if state is not None else 0
    return TargetState(**event.model_dump(), id=stream_id, version=version)


def not_found(stream_id: uuid.UUID) -> NotFound:
    return NotFound("target", str(stream_id))


AGGREGATE = Aggregate("target", evolve, not_found)
