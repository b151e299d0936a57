"""Where a loan stands on a given date: outstanding balance, next due instalment, overdue.

All derived, never stored: a pure function of the folded state and a date (the caller's
clock), so the answer moves with time without any event. The stream processors derive the
same from the same events to raise the overdue alert.

An instalment is overdue from the day AFTER its due date while any of it is unpaid; the
overdue amount is the unpaid part of every such instalment. Only a running loan (disbursed,
repaying, restructured) owes anything: once settled or written off, nothing is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lmis_registry.domain.loans import schedule as sched
from lmis_registry.domain.loans.state import RUNNING, Loan


@dataclass(frozen=True)
class DueInstalment:
    number: int
    due_on: date
    amount_vnd: int
    """The part of the instalment still unpaid."""


@dataclass(frozen=True)
class LoanPosition:
    as_of: date
    outstanding_vnd: int
    """Principal not yet repaid (dư nợ)."""
    remaining_due_vnd: int
    """Principal and scheduled interest not yet paid."""
    next_due: DueInstalment | None
    """The oldest instalment not paid in full (it may already be overdue)."""
    overdue_amount_vnd: int
    overdue_since: date | None
    """The due date of the oldest overdue instalment."""

    @property
    def overdue(self) -> bool:
        return self.overdue_amount_vnd > 0

    @property
    def days_past_due(self) -> int:
        return (self.as_of - self.overdue_since).days if self.overdue_since else 0


def position(loan: Loan, as_of: date) -> LoanPosition:
    if loan.status not in RUNNING:
        return LoanPosition(as_of, 0, 0, None, 0, None)
    allocations = loan.allocations()
    unpaid = [a for a in allocations if a.unpaid_vnd > 0]
    late = [a for a in unpaid if a.instalment.due_on < as_of]
    return LoanPosition(
        as_of=as_of,
        outstanding_vnd=sched.principal_vnd(loan.schedule) - sched.principal_paid_vnd(allocations),
        remaining_due_vnd=loan.remaining_due_vnd,
        next_due=_due(unpaid[0]) if unpaid else None,
        overdue_amount_vnd=sum(a.unpaid_vnd for a in late),
        overdue_since=late[0].instalment.due_on if late else None,
    )


def _due(allocation: sched.Allocation) -> DueInstalment:
    return DueInstalment(
        allocation.instalment.number, allocation.instalment.due_on, allocation.unpaid_vnd
    )
