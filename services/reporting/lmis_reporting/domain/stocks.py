"""Stock indicators: how many are in a state on a date ("abroad now", "overdue now").

A stock is read from the streams' facts (`domain/facts.py`, their current state) and a date,
`as_of`, that the caller's clock gives (today unless asked otherwise). Every fact keeps its
business date, so the date decides what is in force: a worker who departed after `as_of` is
not abroad yet, a permit whose last valid day is before `as_of` has expired, an instalment
falls overdue the day after its due date while any of it is unpaid. Facts that replace
others keep only the latest (a restructured loan's schedule, an extended permit's expiry), so
for an `as_of` in the past they are judged by what is known now.

Each rule says which streams it reads and what one stream contributes on a date (1 to count
it, an amount in VND, 0 not at all). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from lmis_reporting.domain.facts import (
    AlertFacts,
    Facts,
    ForeignWorkerFacts,
    LoanFacts,
    WorkerFacts,
)
from lmis_reporting.domain.indicators import CONTRACT, FOREIGN, PERSON, dimension_values
from lmis_reporting.domain.markets import MARKET_TIER, tier
from lmis_reporting.domain.measures import UNIT, Measured

F = TypeVar("F", bound=Facts)


# -- outbound workers -----------------------------------------------------------------------


def abroad(w: WorkerFacts, day: date) -> bool:
    """Departed on or before `day` and not returned by then (absconded and overstaying too)."""
    return _on_or_before(w.departed_on, day) and not _on_or_before(w.returned_on, day)


def overstaying(w: WorkerFacts, day: date) -> bool:
    """Reported overstaying since a date on or before `day`, and not returned by then."""
    return _on_or_before(w.overstaying_since, day) and not _on_or_before(w.returned_on, day)


# -- loans ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoanPosition:
    outstanding_vnd: int
    """Principal not yet repaid."""
    overdue_vnd: int
    """The unpaid part (principal and interest) of every instalment due before the date."""


def loan_position(loan: LoanFacts, day: date) -> LoanPosition:
    """As the registry derives it: repayments pay the oldest instalment first, its interest
    before its principal; only a disbursed loan not yet settled or written off owes anything."""
    if not _on_or_before(loan.disbursed_on, day) or _on_or_before(loan.closed_on, day):
        return LoanPosition(0, 0)
    left = loan.credit_vnd + sum(p.amount_vnd for p in loan.payments if p.paid_on <= day)
    outstanding = overdue = 0
    for instalment in loan.schedule:
        interest_paid = min(left, instalment.interest_vnd)
        principal_paid = min(left - interest_paid, instalment.principal_vnd)
        left -= interest_paid + principal_paid
        outstanding += instalment.principal_vnd - principal_paid
        if instalment.due_on < day:
            overdue += instalment.amount_vnd - interest_paid - principal_paid
    return LoanPosition(outstanding, overdue)


# -- foreign workers ------------------------------------------------------------------------


def working(fw: ForeignWorkerFacts, day: date) -> bool:
    """Engaged on or before `day`; an employment that ended on a date ends on it."""
    return _on_or_before(fw.engaged_on, day) and not _on_or_before(fw.employment_ended_on, day)


def permit_valid(fw: ForeignWorkerFacts, day: date) -> bool:
    """Issued by `day`, `day` not after its last valid day, and not revoked by then."""
    if fw.permit_issued_on is None or fw.permit_expires_on is None:
        return False
    in_term = fw.permit_issued_on <= day <= fw.permit_expires_on
    return in_term and not _on_or_before(fw.permit_revoked_on, day)


def exemption_valid(fw: ForeignWorkerFacts, day: date) -> bool:
    if fw.exemption_from is None or fw.exemption_until is None:
        return False
    return fw.exemption_from <= day <= fw.exemption_until


# -- alerts ---------------------------------------------------------------------------------


def alert_open(a: AlertFacts, day: date) -> bool:
    """Raised on or before `day` and not resolved by then (acknowledged or not)."""
    return _on_or_before(a.raised_on, day) and not _on_or_before(a.resolved_on, day)


def _on_or_before(when: date | None, day: date) -> bool:
    return when is not None and when <= day


# -- the rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockRule:
    indicator: str
    stream_type: str
    """Whose facts it reads: `worker`, `loan`, `foreign_worker` or `alert`."""
    measure: Callable[[Facts, date], int]
    """What one stream contributes on a date; 0 leaves it out."""
    dimensions: tuple[str, ...]


def _of(cls: type[F], measure: Callable[[F, date], int]) -> Callable[[Facts, date], int]:
    def contribution(facts: Facts, day: date) -> int:
        return measure(facts, day) if isinstance(facts, cls) else 0

    return contribution


def _counts(cls: type[F], predicate: Callable[[F, date], bool]) -> Callable[[Facts, date], int]:
    return _of(cls, lambda facts, day: int(predicate(facts, day)))


WORKER_DIMENSIONS = (*CONTRACT, MARKET_TIER, *PERSON)
FOREIGN_DIMENSIONS = (*FOREIGN, "sex")

STOCK_RULES: tuple[StockRule, ...] = (
    StockRule("workers_abroad", "worker", _counts(WorkerFacts, abroad), WORKER_DIMENSIONS),
    StockRule("overstaying", "worker", _counts(WorkerFacts, overstaying), WORKER_DIMENSIONS),
    StockRule(
        "loans_outstanding_vnd",
        "loan",
        _of(LoanFacts, lambda loan, day: loan_position(loan, day).outstanding_vnd),
        ("purpose",),
    ),
    StockRule(
        "loans_overdue_amount_vnd",
        "loan",
        _of(LoanFacts, lambda loan, day: loan_position(loan, day).overdue_vnd),
        ("purpose",),
    ),
    StockRule(
        "loans_overdue",
        "loan",
        _counts(LoanFacts, lambda loan, day: loan_position(loan, day).overdue_vnd > 0),
        ("purpose",),
    ),
    StockRule(
        "foreign_workers_working",
        "foreign_worker",
        _counts(ForeignWorkerFacts, working),
        FOREIGN_DIMENSIONS,
    ),
    StockRule(
        "foreign_workers_valid_permit",
        "foreign_worker",
        _counts(ForeignWorkerFacts, lambda fw, day: working(fw, day) and permit_valid(fw, day)),
        FOREIGN_DIMENSIONS,
    ),
    StockRule(
        "foreign_workers_exempt",
        "foreign_worker",
        _counts(
            ForeignWorkerFacts,
            lambda fw, day: (
                working(fw, day) and exemption_valid(fw, day) and not permit_valid(fw, day)
            ),
        ),
        FOREIGN_DIMENSIONS,
    ),
    StockRule(
        "foreign_workers_without_permit",
        "foreign_worker",
        _counts(
            ForeignWorkerFacts,
            lambda fw, day: (
                working(fw, day) and not permit_valid(fw, day) and not exemption_valid(fw, day)
            ),
        ),
        FOREIGN_DIMENSIONS,
    ),
    StockRule("alerts_open", "alert", _counts(AlertFacts, alert_open), ("rule",)),
)


def stock_rule(indicator: str) -> StockRule | None:
    return next((rule for rule in STOCK_RULES if rule.indicator == indicator), None)


def evaluate(
    rule: StockRule,
    rows: Iterable[tuple[str | None, Facts]],
    day: date,
    by: str | None = None,
    high_income: frozenset[str] = frozenset(),
) -> Measured:
    """The stock on `day` over `rows` (each: the child unit it lies under, its facts), with
    a breakdown by `by` (a dimension of the rule, or `unit` for the child units)."""
    total = 0
    breakdown: dict[str, int] = {}
    for child, facts in rows:
        amount = rule.measure(facts, day)
        if not amount:
            continue
        total += amount
        if by is not None:
            for key in _keys(facts, child, by, high_income):
                breakdown[key] = breakdown.get(key, 0) + amount
    return Measured(total, dict(sorted(breakdown.items())) if by is not None else None)


def _keys(facts: Facts, child: str | None, by: str, high_income: frozenset[str]) -> list[str]:
    if by == UNIT:
        return [child] if child else []
    if by == MARKET_TIER:
        found = tier(getattr(facts, "destination_country", None), high_income)
        return [found] if found else []
    return dimension_values(getattr(facts, by, None))
