"""Instalment schedules and how repayments settle them: integer VND arithmetic, no floats.

The rules (VBSP lends on equal principal instalments with interest on the declining balance):
* A schedule has `term_months` monthly instalments. Instalment k falls due k months after the
  start date (disbursement or restructuring), on the same day of the month, or on the month's
  last day when it has no such day (a loan of 31 January falls due on 28/29 February).
* Principal is split equally; the `principal % term` đồng left over go one each to the first
  instalments, so the principal parts sum to the amount exactly and differ by at most 1 đồng.
* Interest of instalment k is the balance outstanding during its period times a twelfth of the
  annual rate (30/360: every month is a twelfth of a year, whatever its length), rounded half
  up to the whole đồng, per instalment: `(balance * rate_bp + 60_000) // 120_000`.
* Repayments are applied in schedule order, interest before principal within an instalment
  (the oldest debt is paid first). Paying ahead pays the next instalments as scheduled,
  interest included; to charge less interest on an early payoff the bank restructures first.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from lmis_shared.contracts.registry_loans import Instalment

Schedule = tuple[Instalment, ...]

_BP_MONTHS = 10_000 * 12  # basis points per unit, months per year


def monthly_interest(balance_vnd: int, annual_rate_bp: int) -> int:
    """A month's interest on `balance_vnd`, rounded half up to the đồng."""
    return (balance_vnd * annual_rate_bp + _BP_MONTHS // 2) // _BP_MONTHS


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or that month's last day if it is shorter."""
    year, month0 = divmod(start.month - 1 + months, 12)
    year += start.year
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(start.day, last_day))


def generate(
    principal_vnd: int,
    start: date,
    term_months: int,
    annual_rate_bp: int,
    carried_interest_vnd: int = 0,
) -> Schedule:
    """Equal principal instalments with interest on the declining balance (see module doc).

    `carried_interest_vnd` (interest already owed from an earlier schedule) is added to the
    first instalment's interest.
    """
    base, extra = divmod(principal_vnd, term_months)
    balance = principal_vnd
    instalments = []
    for number in range(1, term_months + 1):
        principal = base + (1 if number <= extra else 0)
        interest = monthly_interest(balance, annual_rate_bp)
        if number == 1:
            interest += carried_interest_vnd
        instalments.append(
            Instalment(
                number=number,
                due_on=add_months(start, number),
                principal_vnd=principal,
                interest_vnd=interest,
            )
        )
        balance -= principal
    return tuple(instalments)


@dataclass(frozen=True)
class Allocation:
    """How much of one instalment the repayments so far have paid."""

    instalment: Instalment
    interest_paid_vnd: int
    principal_paid_vnd: int

    @property
    def paid_vnd(self) -> int:
        return self.interest_paid_vnd + self.principal_paid_vnd

    @property
    def unpaid_vnd(self) -> int:
        return self.instalment.amount_vnd - self.paid_vnd

    @property
    def unpaid_interest_vnd(self) -> int:
        return self.instalment.interest_vnd - self.interest_paid_vnd


def allocate(schedule: Sequence[Instalment], paid_vnd: int) -> tuple[Allocation, ...]:
    """Spread `paid_vnd` over the schedule: oldest instalment first, interest before principal."""
    left = paid_vnd
    allocations = []
    for instalment in schedule:
        interest = min(left, instalment.interest_vnd)
        left -= interest
        principal = min(left, instalment.principal_vnd)
        left -= principal
        allocations.append(Allocation(instalment, interest, principal))
    return tuple(allocations)


def total_vnd(schedule: Sequence[Instalment]) -> int:
    return sum(i.amount_vnd for i in schedule)


def principal_vnd(schedule: Sequence[Instalment]) -> int:
    return sum(i.principal_vnd for i in schedule)


def principal_paid_vnd(allocations: Sequence[Allocation]) -> int:
    return sum(a.principal_paid_vnd for a in allocations)


def paid_through(allocations: Sequence[Allocation]) -> int:
    """The number of the last instalment paid in full, counting from the first (0: none)."""
    number = 0
    for allocation in allocations:
        if allocation.unpaid_vnd > 0:
            break
        number = allocation.instalment.number
    return number


def unpaid_interest_due_vnd(allocations: Sequence[Allocation], on: date) -> int:
    """Interest of the instalments due on or before `on` that is still unpaid."""
    return sum(a.unpaid_interest_vnd for a in allocations if a.instalment.due_on <= on)


def interest_paid_ahead_vnd(allocations: Sequence[Allocation], on: date) -> int:
    """Interest paid for instalments that fall due after `on`."""
    return sum(a.interest_paid_vnd for a in allocations if a.instalment.due_on > on)
