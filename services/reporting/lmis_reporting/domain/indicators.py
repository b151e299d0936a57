"""Which event moves which flow indicator, in which unit and month: the counting rules, as data.

Flow indicators count facts of a period (departures, permits issued, VND disbursed). Counts
are kept per leaf administrative unit (the stream's commune) and per month (the first day of
the month stands for it); sums up the unit hierarchy and over quarters and years are made when
they are read. A rule says: an event of this type adds one (or the amount in `amount_field`)
to this indicator, in the month of its `date_field`, if the `where` conditions hold. Each rule
writes a total row (dimension `''`) and, per breakdown in `dimensions`, one row per value of
that attribute (an attribute holding several values, like priority groups, counts once per
value). Breakdown rows split the total; they are never added to it.

An attribute is looked up in the event's payload if the payload has that field, else in the
stream's facts after the event (`domain/facts.py`): a `departed` event has no commune, sex or
destination of its own, the stream's registration and contract gave them.

A new indicator is a new row in `RULES`, not new code. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import cache
from typing import NamedTuple

from pydantic import BaseModel

from lmis_reporting.domain.facts import FACT_EVENT_TYPES, FACTS_BY_STREAM, Facts
from lmis_shared.contracts import notify as n
from lmis_shared.contracts import permits as p
from lmis_shared.contracts import registry as r
from lmis_shared.contracts import registry_loans as loans
from lmis_shared.events import EventPayload

TOTAL = ""
"""The dimension (and dimension value) of a total row."""

PERSON = ("sex", "ethnicity", "priority_groups")
CONTRACT = ("destination_country", "programme", "sending_organisation")
FOREIGN = ("nationality", "position", "employer")


@dataclass(frozen=True)
class CountRule:
    event_type: str
    indicator: str
    date_field: str
    """Attribute holding the date whose month the event counts in."""
    dimensions: tuple[str, ...] = ()
    """Attributes to break the count down by; each is also the dimension's name."""
    where: tuple[tuple[str, object], ...] = ()
    """(attribute, value) pairs that must all hold for the event to count."""
    amount_field: str | None = None
    """Add this attribute's value (VND) instead of one."""
    unit_field: str = "commune_code"
    """Attribute holding the leaf unit code."""


class Increment(NamedTuple):
    """A tuple: made several times per event, so a rebuild makes millions."""

    indicator: str
    unit_code: str
    period: date
    """First day of the month."""
    dimension: str
    dim_value: str
    delta: int

    @property
    def key(self) -> tuple[str, str, date, str, str]:
        return (self[0], self[1], self[2], self[3], self[4])


def _rule(
    event: type[EventPayload],
    indicator: str,
    date_field: str,
    *dimensions: str,
    where: tuple[tuple[str, object], ...] = (),
    amount_field: str | None = None,
) -> CountRule:
    return CountRule(event.event_type, indicator, date_field, dimensions, where, amount_field)


_EPS = ("exam", r.Exam.eps_topik)

RULES: tuple[CountRule, ...] = (
    # outbound workers (registry)
    _rule(r.WorkerRegistered, "workers_registered", "registered_on", *PERSON),
    _rule(
        r.WorkerEnrolledInTraining,
        "enrolled_in_training",
        "enrolled_on",
        "kind",
        "language",
        *PERSON,
    ),
    _rule(
        r.WorkerTrainingResultRecorded,
        "trained",
        "completed_on",
        "kind",
        "exam",
        *PERSON,
        where=(("passed", True),),
    ),
    _rule(
        r.WorkerTrainingResultRecorded,
        "trained_for_eps",
        "completed_on",
        "passed",
        *PERSON,
        where=(_EPS,),
    ),
    _rule(
        r.WorkerTrainingResultRecorded,
        "eps_topik_passed",
        "completed_on",
        *PERSON,
        where=(_EPS, ("passed", True)),
    ),
    _rule(r.WorkerContractSigned, "contracts_signed", "signed_on", *CONTRACT, "sector", *PERSON),
    _rule(r.WorkerDeparted, "departed", "departure_date", *CONTRACT, *PERSON),
    _rule(r.WorkerReturned, "returned", "return_date", "reason", *CONTRACT, *PERSON),
    _rule(r.WorkerAbsconded, "absconded", "absconded_on", *CONTRACT, *PERSON),
    _rule(r.WorkerOverstayed, "overstayed", "overstaying_since", *CONTRACT, *PERSON),
    # preferential loans (registry)
    _rule(loans.LoanApplied, "loan_applications", "applied_on", "purpose"),
    _rule(loans.LoanApproved, "loan_approvals", "approved_on", "purpose"),
    _rule(
        loans.LoanDisbursed,
        "loans_disbursed_vnd",
        "disbursed_on",
        "purpose",
        amount_field="amount_vnd",
    ),
    # foreign workers (permits)
    _rule(p.PermitIssued, "permits_issued", "issue_date", *FOREIGN, "sex"),
    _rule(p.PermitExtended, "permits_extended", "extended_on", *FOREIGN, "sex"),
    _rule(p.PermitRevoked, "permits_revoked", "revoked_on", "reason", *FOREIGN, "sex"),
    _rule(p.ExemptionCertified, "exemptions_certified", "valid_from", *FOREIGN, "sex"),
    # alerts (notify): in the month of the day raised, and of the day resolved
    _rule(n.AlertRaised, "alerts_raised", "raised_on", "rule"),
    _rule(n.AlertResolved, "alerts_resolved", "resolved_on", "rule"),
)


class RuleError(LookupError):
    """A rule names an attribute its event and facts lack, or one of the wrong kind (a bug)."""


def handled_event_types(rules: Sequence[CountRule] = RULES) -> frozenset[str]:
    """What the projection must see: events that count, and events that change facts."""
    return frozenset(rule.event_type for rule in rules) | FACT_EVENT_TYPES


def month_of(day: date) -> date:
    return day.replace(day=1)


def increments(
    payload: EventPayload, facts: Facts | None = None, rules: Sequence[CountRule] = RULES
) -> list[Increment]:
    """What `payload` adds to the counts, given its stream's `facts` after it."""
    if facts is None:  # a stream whose first event never came: its counts go to no unit
        facts = FACTS_BY_STREAM.get(payload.stream_type, Facts)()
    out: list[Increment] = []
    for rule in _rules_of(payload.event_type, rules):
        if _holds(rule, payload, facts):
            out.extend(_apply(rule, payload, facts))
    return out


def merge(items: Iterable[Increment]) -> list[Increment]:
    """One increment per row, deltas summed; rows whose deltas cancel out are dropped."""
    # deltas summed as plain ints, each row's increment made once (a rebuild merges millions)
    first: dict[tuple[str, str, date, str, str], Increment] = {}
    sums: dict[tuple[str, str, date, str, str], int] = {}
    for item in items:
        key = item.key
        if key in sums:
            sums[key] += item.delta
        else:
            first[key], sums[key] = item, item.delta
    return [
        item if item.delta == total else item._replace(delta=total)
        for key, item in first.items()
        if (total := sums[key]) != 0
    ]


def _rules_of(event_type: str, rules: Sequence[CountRule]) -> Sequence[CountRule]:
    """The rules of `event_type`, in their order (looked up once per type for `RULES`)."""
    if rules is RULES:
        return _RULES_BY_TYPE.get(event_type, ())
    return [rule for rule in rules if rule.event_type == event_type]


_RULES_BY_TYPE: dict[str, tuple[CountRule, ...]] = {
    kind: tuple(rule for rule in RULES if rule.event_type == kind)
    for kind in {rule.event_type for rule in RULES}
}


_MODEL_TYPES: dict[type, bool] = {}


def _is_model(kind: type) -> bool:
    # `isinstance` on a model class goes through ABCMeta: slow, and asked for every attribute
    known = _MODEL_TYPES.get(kind)
    if known is None:
        known = _MODEL_TYPES[kind] = issubclass(kind, BaseModel)
    return known


@cache
def _field_names(cls: type[BaseModel]) -> frozenset[str]:
    return frozenset(cls.model_fields)


def _holds(rule: CountRule, payload: EventPayload, facts: Facts) -> bool:
    return all(_text(attribute(payload, facts, name)) == _text(value) for name, value in rule.where)


def _apply(rule: CountRule, payload: EventPayload, facts: Facts) -> list[Increment]:
    unit = attribute(payload, facts, rule.unit_field)
    day = attribute(payload, facts, rule.date_field)
    delta = attribute(payload, facts, rule.amount_field) if rule.amount_field else 1
    if not isinstance(unit, str) or not isinstance(day, date) or not isinstance(delta, int):
        raise RuleError(f"{rule.indicator}: a unit, date or amount of {rule.event_type} is wrong")

    indicator, month = rule.indicator, month_of(day)
    rows = [Increment(indicator, unit, month, TOTAL, TOTAL, delta)]
    for dimension in rule.dimensions:
        values = dimension_values(attribute(payload, facts, dimension))
        rows.extend(Increment(indicator, unit, month, dimension, v, delta) for v in values)
    return rows


def attribute(payload: EventPayload, facts: Facts, name: str) -> object:
    """The payload's field `name` if it has one as a plain value, else the facts'.

    A structured field (a sending organisation: kind, name, licence) is counted by the facts'
    normalised form of it, so that every indicator breaks down by the same values.
    """
    fact_fields = _field_names(type(facts))
    if name in _field_names(type(payload)):
        value: object = getattr(payload, name)
        if not _is_model(type(value)) or name not in fact_fields:
            return value
    if name in fact_fields:
        return getattr(facts, name)
    raise RuleError(f"neither {payload.event_type} nor its stream's facts have {name!r}")


def dimension_values(value: object) -> list[str]:
    """A breakdown attribute's values: one for a plain value, each element of a collection."""
    if not isinstance(value, (tuple, list, frozenset, set)):
        return [] if value is None else [_text(value)]
    return sorted({_text(item) for item in value if item is not None})


def _text(value: object) -> str:
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if kind is bool:
        return "true" if value else "false"
    return str(value.value) if isinstance(value, Enum) else str(value)
