"""Which event moves which indicator, in which unit and month: the counting rules, as data.

Counts are kept per leaf administrative unit (the commune named in the event) and per month
(the first day of the month stands for it); sums up the unit hierarchy and over quarters and
years are made when they are read. A rule says: an event of this type adds `delta` to this
indicator, in the unit its `unit_field` names and the month of its `date_field`. Each rule
writes a total row (dimension `''`) and, per breakdown in `dimensions`, one row per value of
that field (a field holding several values, like priority groups, counts once per value).
Breakdown rows split the total; they are never added to it.

A new indicator is a new row in `RULES`, not new code. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum

from lmis_shared.contracts.registry import WorkerRegistered
from lmis_shared.events import EventPayload

TOTAL = ""
"""The dimension (and dimension value) of a total row."""


@dataclass(frozen=True)
class CountRule:
    event_type: str
    indicator: str
    unit_field: str
    """Payload field holding the leaf unit code (a commune)."""
    date_field: str
    """Payload field holding the date whose month the event counts in."""
    dimensions: tuple[str, ...] = ()
    """Payload fields to break the count down by; each is also the dimension's name."""
    delta: int = 1


@dataclass(frozen=True)
class Increment:
    indicator: str
    unit_code: str
    period: date
    """First day of the month."""
    dimension: str
    dim_value: str
    delta: int

    @property
    def key(self) -> tuple[str, str, date, str, str]:
        return (self.indicator, self.unit_code, self.period, self.dimension, self.dim_value)


RULES: tuple[CountRule, ...] = (
    CountRule(
        event_type=WorkerRegistered.event_type,
        indicator="workers_registered",
        unit_field="commune_code",
        date_field="registered_on",
        dimensions=("sex", "priority_groups"),
    ),
)


class RuleError(LookupError):
    """A rule names a field its event does not have, or one of the wrong kind (a bug)."""


def handled_event_types(rules: Sequence[CountRule] = RULES) -> frozenset[str]:
    return frozenset(rule.event_type for rule in rules)


def month_of(day: date) -> date:
    return day.replace(day=1)


def increments(payload: EventPayload, rules: Sequence[CountRule] = RULES) -> list[Increment]:
    """What `payload` adds to the counts: nothing unless a rule names its type."""
    out: list[Increment] = []
    for rule in rules:
        if rule.event_type == payload.event_type:
            out.extend(_apply(rule, payload))
    return out


def merge(items: Iterable[Increment]) -> list[Increment]:
    """One increment per row, deltas summed; rows whose deltas cancel out are dropped."""
    merged: dict[tuple[str, str, date, str, str], Increment] = {}
    for item in items:
        seen = merged.get(item.key)
        merged[item.key] = item if seen is None else replace(seen, delta=seen.delta + item.delta)
    return [item for item in merged.values() if item.delta != 0]


def _apply(rule: CountRule, payload: EventPayload) -> list[Increment]:
    unit = _field(payload, rule.unit_field)
    day = _field(payload, rule.date_field)
    if not isinstance(unit, str) or not isinstance(day, date):
        raise RuleError(
            f"{rule.indicator}: unit or date field of {rule.event_type} has the wrong type"
        )

    def row(dimension: str, value: str) -> Increment:
        return Increment(rule.indicator, unit, month_of(day), dimension, value, rule.delta)

    rows = [row(TOTAL, TOTAL)]
    for dimension in rule.dimensions:
        rows.extend(row(dimension, value) for value in _values(_field(payload, dimension)))
    return rows


def _field(payload: EventPayload, name: str) -> object:
    try:
        value: object = getattr(payload, name)
    except AttributeError:
        raise RuleError(f"{payload.event_type} has no field {name!r}") from None
    return value


def _values(value: object) -> list[str]:
    """A breakdown field's values: one for a plain field, each element of a collection."""
    items = value if isinstance(value, tuple | list | frozenset | set) else (value,)
    return sorted({_text(item) for item in items if item is not None})


def _text(value: object) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)
