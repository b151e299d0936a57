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
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from functools import cache

from pydantic import BaseModel

from lmis_reporting.domain.facts import FACT_EVENT_TYPES, FACTS_BY_STREAM, Facts
from lmis_shared.contracts import notify as n
from lmis_shared.contracts import permits as p
from lmis_shared.contracts import registry as r
from lmis_shared.contracts import registry_jobs as jobs
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
_RETURNEE = ("returnee", True)
_JOB_CREATION = ("purpose", loans.LoanPurpose.job_creation)
_REPORTED = "jobs_change"

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
    # Vietnamese workers first (permits): hires on a demand, where the employer works
    _rule(p.DemandVietnameseHired, "vietnamese_hired_for_demands", "hired_on", "returnee"),
    _rule(p.DemandVietnameseHired, "returnees_placed_locally", "hired_on", where=(_RETURNEE,)),
    # jobs created (the Đồng Tháp plan's "giải quyết việc làm"): one job per job-creation
    # loan disbursed, per Vietnamese worker hired on a demand, per departure abroad, and the
    # communes' counts for the other programmes (a correction adds its change)
    _rule(loans.LoanDisbursed, "jobs_created", "disbursed_on", where=(_JOB_CREATION,)),
    _rule(p.DemandVietnameseHired, "jobs_created", "hired_on"),
    _rule(r.WorkerDeparted, "jobs_created", "departure_date"),
    _rule(jobs.JobCreationReported, "jobs_created", "period", amount_field=_REPORTED),
    _rule(loans.LoanDisbursed, "jobs_created_at_home", "disbursed_on", where=(_JOB_CREATION,)),
    _rule(p.DemandVietnameseHired, "jobs_created_at_home", "hired_on"),
    _rule(
        jobs.JobCreationReported,
        "jobs_created_at_home",
        "period",
        "programme",
        amount_field=_REPORTED,
    ),
    # alerts (notify): in the month of the day raised, and of the day resolved
    _rule(n.AlertRaised, "alerts_raised", "raised_on", "rule"),
    _rule(n.AlertResolved, "alerts_resolved", "resolved_on", "rule"),
)


class RuleError(LookupError):
    """A rule names an attribute its event and facts lack, or one of the wrong kind (a bug)."""


def handled_event_types(rules: Sequence[CountRule] = RULES) -> frozenset[str]:
    """What the projection must see: events that count, and events that change facts."""
    return frozenset(rule.event_type for rule in rules) | FACT_EVENT_TYPES


@cache
def month_of(day: date) -> date:
    # cached: every increment asks, and a store holds few distinct days
    return day.replace(day=1)


def increments(
    payload: EventPayload, facts: Facts | None = None, rules: Sequence[CountRule] = RULES
) -> list[Increment]:
    """What `payload` adds to the counts, given its stream's `facts` after it."""
    if facts is None:  # a stream whose first event never came: its counts go to no unit
        facts = FACTS_BY_STREAM.get(payload.stream_type, Facts)()
    # the default rules' index is looked up by identity: hashing every rule (a frozen
    # dataclass) to find the cached index cost more than counting the event
    by_type = _RULES_BY_TYPE if rules is RULES else _rules_by_type(tuple(rules))
    matching = by_type.get(payload.event_type, ())
    out: list[Increment] = []
    for rule in matching:
        if not rule.where or _holds(rule, payload, facts):
            out.extend(_apply(rule, payload, facts))
    return out


def merge(items: Iterable[Increment]) -> list[Increment]:
    """One increment per row, deltas summed; rows whose deltas cancel out are dropped."""
    # summed by key first: a batch has many increments to few rows (each a new object)
    first: dict[tuple[str, str, date, str, str], Increment] = {}
    deltas: dict[tuple[str, str, date, str, str], int] = {}
    for item in items:
        key = item.key
        if key in deltas:
            deltas[key] += item.delta
        else:
            first[key], deltas[key] = item, item.delta
    return [
        item if item.delta == delta else replace(item, delta=delta)
        for key, item in first.items()
        if (delta := deltas[key]) != 0
    ]


@cache
def _rules_by_type(rules: tuple[CountRule, ...]) -> dict[str, tuple[CountRule, ...]]:
    """The rules of each event type, in their order (every event is looked up here)."""
    by_type: dict[str, list[CountRule]] = {}
    for rule in rules:
        by_type.setdefault(rule.event_type, []).append(rule)
    return {event_type: tuple(found) for event_type, found in by_type.items()}


_RULES_BY_TYPE = _rules_by_type(RULES)


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
        for value in dimension_values(attribute(payload, facts, dimension)):
            rows.append(Increment(indicator, unit, month, dimension, value, delta))
    return rows


def attribute(payload: EventPayload, facts: Facts, name: str) -> object:
    """The payload's field `name` if it has one as a plain value, else the facts'.

    A structured field (a sending organisation: kind, name, licence) is counted by the facts'
    normalised form of it, so that every indicator breaks down by the same values.
    """
    if name in _fields(type(payload)):
        value = getattr(payload, name)
        if not isinstance(value, BaseModel) or name not in _fields(type(facts)):
            return value
    if name in _fields(type(facts)):
        return getattr(facts, name)
    raise RuleError(f"neither {payload.event_type} nor its stream's facts have {name!r}")


_COLLECTIONS = (tuple, list, frozenset, set)


def dimension_values(value: object) -> list[str]:
    """A breakdown attribute's values: one for a plain value, each element of a collection."""
    if type(value) is str:  # the usual case, asked for every breakdown of every event
        return [value]
    items = value if isinstance(value, _COLLECTIONS) else (value,)
    return sorted({_text(item) for item in items if item is not None})


@cache
def _fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(model.model_fields)


def _text(value: object) -> str:
    if isinstance(value, str) and not isinstance(value, Enum):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return _enum_text(value) if isinstance(value, Enum) else str(value)


@cache
def _enum_text(value: Enum) -> str:
    # an enum member's `.value` goes through a descriptor: slow for every row of every event
    return str(value.value)
