"""The loan's rules: `decide_apply` opens a loan, `decide` answers every later command.

Both are pure: the caller passes today's date (from its clock) and, for an application, the
borrower's commune as the worker file records it. They return the events to append or raise
`IllegalTransition` (409) or `InvalidField` (422, naming the field).
"""

from __future__ import annotations

from datetime import date
from typing import assert_never

from lmis_registry.domain.errors import InvalidField
from lmis_registry.domain.loans import schedule as sched
from lmis_registry.domain.loans.commands import (
    ApplyForLoan,
    ApproveLoan,
    DisburseLoan,
    LoanCommand,
    RecordRepayment,
    RejectLoan,
    RestructureLoan,
    SettleLoan,
    WriteOffLoan,
)
from lmis_registry.domain.loans.state import Loan, require_allowed
from lmis_shared.contracts.registry_loans import (
    LoanApplied,
    LoanApproved,
    LoanDisbursed,
    LoanRejected,
    LoanRepaymentReceived,
    LoanRestructured,
    LoanSettled,
    LoanWrittenOff,
)
from lmis_shared.events import EventPayload


def decide_apply(
    command: ApplyForLoan, commune_code: str, province_code: str, today: date
) -> list[EventPayload]:
    return [
        LoanApplied(
            worker_id=command.worker_id,
            purpose=command.purpose,
            amount_vnd=command.amount_vnd,
            commune_code=commune_code,
            province_code=province_code,
            applied_on=_day(command.applied_on, today, "applied_on"),
        )
    ]


def decide(loan: Loan, command: LoanCommand, today: date) -> list[EventPayload]:
    require_allowed(loan, command.name)
    match command:
        case ApproveLoan():
            return [_approve(loan, command, today)]
        case RejectLoan():
            on = _day(command.rejected_on, today, "rejected_on", loan.applied_on, "application")
            return [LoanRejected(reason=command.reason, rejected_on=on)]
        case DisburseLoan():
            return [_disburse(loan, command, today)]
        case RecordRepayment():
            return [_repay(loan, command, today)]
        case RestructureLoan():
            return [_restructure(loan, command, today)]
        case WriteOffLoan():
            return [_write_off(loan, command, today)]
        case SettleLoan():
            on = _day(command.settled_on, today, "settled_on", loan.last_dated_on, "last entry")
            return [LoanSettled(settled_on=on, repaid_vnd=loan.repaid_vnd)]
        case _:
            assert_never(command)


def _approve(loan: Loan, command: ApproveLoan, today: date) -> LoanApproved:
    amount = command.approved_amount_vnd or loan.applied_amount_vnd
    if amount > loan.applied_amount_vnd:
        raise InvalidField(
            "approved_amount_vnd",
            f"must not exceed the {loan.applied_amount_vnd} VND applied for",
        )
    on = _day(command.approved_on, today, "approved_on", loan.applied_on, "application")
    return LoanApproved(approved_amount_vnd=amount, approved_on=on)


def _disburse(loan: Loan, command: DisburseLoan, today: date) -> LoanDisbursed:
    approved = loan.approved_amount_vnd or 0
    if command.amount_vnd > approved:
        raise InvalidField("amount_vnd", f"must not exceed the {approved} VND approved")
    on = _day(command.disbursed_on, today, "disbursed_on", loan.last_dated_on, "approval")
    return LoanDisbursed(
        amount_vnd=command.amount_vnd,
        disbursed_on=on,
        term_months=command.term_months,
        annual_interest_rate_bp=command.annual_interest_rate_bp,
        schedule=sched.generate(
            command.amount_vnd, on, command.term_months, command.annual_interest_rate_bp
        ),
    )


def _repay(loan: Loan, command: RecordRepayment, today: date) -> LoanRepaymentReceived:
    remaining = loan.remaining_due_vnd
    if command.amount_vnd > remaining:
        raise InvalidField("amount_vnd", f"is more than the {remaining} VND still due")
    # A late-entered repayment may predate other repayments, not the schedule it pays.
    starts = loan.schedule_starts_on or loan.last_dated_on
    on = _day(command.paid_on, today, "paid_on", starts, "start of the schedule")
    before = loan.allocations()
    after = sched.allocate(loan.schedule, loan.paid_on_schedule_vnd + command.amount_vnd)
    principal = sched.principal_paid_vnd(after) - sched.principal_paid_vnd(before)
    return LoanRepaymentReceived(
        amount_vnd=command.amount_vnd,
        paid_on=on,
        principal_vnd=principal,
        interest_vnd=command.amount_vnd - principal,
        outstanding_vnd=sched.principal_vnd(loan.schedule) - sched.principal_paid_vnd(after),
        paid_through_instalment=sched.paid_through(after),
    )


def _restructure(loan: Loan, command: RestructureLoan, today: date) -> LoanRestructured:
    on = _day(command.restructured_on, today, "restructured_on", loan.last_dated_on, "last entry")
    allocations = loan.allocations()
    outstanding = sched.principal_vnd(loan.schedule) - sched.principal_paid_vnd(allocations)
    carried = sched.unpaid_interest_due_vnd(allocations, on)
    credit = sched.interest_paid_ahead_vnd(allocations, on)
    rate = command.annual_interest_rate_bp
    rate = loan.annual_interest_rate_bp if rate is None else rate
    schedule = sched.generate(outstanding, on, command.term_months, rate, carried)
    if credit > sched.total_vnd(schedule):
        # Only a steep rate cut after long prepayment gets here: the bank owes a refund,
        # which this aggregate does not model, so refuse rather than lose the money.
        raise InvalidField(
            "annual_interest_rate_bp",
            f"the new schedule asks less than the {credit} VND of interest paid in advance",
        )
    return LoanRestructured(
        restructured_on=on,
        reason=command.reason,
        term_months=command.term_months,
        annual_interest_rate_bp=rate,
        outstanding_vnd=outstanding,
        carried_interest_vnd=carried,
        credit_vnd=credit,
        schedule=schedule,
    )


def _write_off(loan: Loan, command: WriteOffLoan, today: date) -> LoanWrittenOff:
    on = _day(command.written_off_on, today, "written_off_on", loan.last_dated_on, "last entry")
    allocations = loan.allocations()
    return LoanWrittenOff(
        reason=command.reason,
        written_off_on=on,
        outstanding_vnd=sched.principal_vnd(loan.schedule) - sched.principal_paid_vnd(allocations),
        unpaid_interest_vnd=sched.unpaid_interest_due_vnd(allocations, on),
    )


def _day(
    given: date | None,
    today: date,
    field: str,
    not_before: date | None = None,
    what: str = "",
) -> date:
    """The command's date (today if none), refused in the future or before `not_before`."""
    day = given or today
    if day > today:
        raise InvalidField(field, "must not be in the future")
    if not_before is not None and day < not_before:
        raise InvalidField(field, f"must not be before the {what} on {not_before.isoformat()}")
    return day
