"""The counting rules compiled per payload and facts class, for counting in bulk (a rebuild).

`indicators.increments` looks every attribute up by name in both models, builds an `Increment`
per row and leaves the merging to `merge`; for a million events that is most of a rebuild's
counting. Here each (payload class, facts class) pair gets, once, its rules with every
attribute's place decided (payload, facts, or "look at the value", when both models have the
field and the payload's may be a structured one), and an event yields the rows' keys with
their deltas, ready to be summed into a dict. What it yields is what `increments` yields, row
for row and in the same order (`tests/unit/test_compiled_rules.py` holds them equal); the rare
rules with conditions check them with the same `where` code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import Enum
from functools import cache
from operator import attrgetter
from typing import get_origin

from pydantic import BaseModel

from lmis_reporting.domain.facts import FACTS_BY_STREAM, Facts
from lmis_reporting.domain.indicators import (
    _RULES_BY_TYPE,
    TOTAL,
    CountRule,
    RuleError,
    _fields,
    _holds,
    _text,
    attribute,
    dimension_values,
    month_of,
)
from lmis_shared.events import EventPayload

Key = tuple[str, str, date, str, str]
"""A count row's key: indicator, unit, period, dimension, dimension value."""

Counted = list[tuple[Key, int]]
_Getter = Callable[[EventPayload, Facts], object]
_Rule = Callable[[EventPayload, Facts, Counted], None]


def increment_keys(payload: EventPayload, facts: Facts | None) -> Counted:
    """What `payload` adds to the counts given its stream's `facts` after it, as `increments`
    with the default rules says, each row as (key, delta)."""
    if facts is None:  # a stream whose first event never came: as `increments` does
        facts = FACTS_BY_STREAM.get(payload.stream_type, Facts)()
    out: Counted = []
    for rule in _plan(type(payload), type(facts)):
        rule(payload, facts, out)
    return out


@cache
def _plan(payload: type[EventPayload], facts: type[Facts]) -> tuple[_Rule, ...]:
    rules = _RULES_BY_TYPE.get(payload.event_type, ())
    return tuple(_compiled(rule, payload, facts) for rule in rules)


def _getter(payload: type[EventPayload], facts: type[Facts], name: str) -> _Getter:
    """`attribute(p, f, name)` with its look-ups done once for these classes."""
    in_payload, in_facts = name in _fields(payload), name in _fields(facts)
    if in_payload and not in_facts:
        from_payload = attrgetter(name)
        return lambda p, f: from_payload(p)
    if in_facts and not in_payload:
        from_facts = attrgetter(name)
        return lambda p, f: from_facts(f)
    if in_payload and not _may_be_model(payload, name):
        from_payload = attrgetter(name)
        return lambda p, f: from_payload(p)
    return lambda p, f: attribute(p, f, name)  # decided by the value, or a RuleError


def _may_be_model(payload: type[EventPayload], name: str) -> bool:
    """Whether the field's value may be a model (then `attribute` prefers the facts')."""
    annotation = payload.model_fields[name].annotation
    if isinstance(annotation, type):
        return issubclass(annotation, BaseModel)
    # a tuple of models is not a model; a union or anything else: let the value say
    return get_origin(annotation) not in _COLLECTIONS


_COLLECTIONS = (tuple, list, frozenset, set)


def _values(value: object) -> list[str]:
    """`dimension_values`, with a single enum member (most breakdowns) taken first."""
    if isinstance(value, Enum):
        return [_text(value)]
    return dimension_values(value)


def _compiled(rule: CountRule, payload: type[EventPayload], facts: type[Facts]) -> _Rule:
    unit = _getter(payload, facts, rule.unit_field)
    day = _getter(payload, facts, rule.date_field)
    amount = _getter(payload, facts, rule.amount_field) if rule.amount_field else None
    dimensions = tuple((name, _getter(payload, facts, name)) for name in rule.dimensions)
    indicator = rule.indicator

    def apply(p: EventPayload, f: Facts, out: Counted) -> None:
        if rule.where and not _holds(rule, p, f):
            return
        unit_code, on = unit(p, f), day(p, f)
        delta = amount(p, f) if amount is not None else 1
        if not isinstance(unit_code, str) or not isinstance(on, date) or not isinstance(delta, int):
            raise RuleError(f"{indicator}: a unit, date or amount of {rule.event_type} is wrong")
        month = month_of(on)
        out.append(((indicator, unit_code, month, TOTAL, TOTAL), delta))
        for name, value in dimensions:
            for text in _values(value(p, f)):
                out.append(((indicator, unit_code, month, name, text), delta))

    return apply
