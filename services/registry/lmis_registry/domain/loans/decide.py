"""The loan's rules: `decide` opens a loan (`ApplyForLoan` on no state) and answers every
later command.

Pure: the caller passes today's date (from its clock) and, for an application, the
`borrower`'s commune and province as the worker file records them. It returns the events to
append or raises `IllegalTransition` (409) or `InvalidField` (422, naming the field). Dates
follow `lmis_shared.dates`: not in the future, not before the fact they follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import assert_never

from lmis_registry.domain.errors import IllegalTransition, InvalidField
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
from lmis_registry.domain.loans.state import Loan, allowed_commands, require_allowed
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
from lmis_shared.dates import happened, not_before
from lmis_shared.events import EventPayload
from lmis_shared.records import record_from


@dataclass(frozen=True)
class Borrower:
    """Where the borrower's worker file is, when the loan is applied for: the loan's units."""

    commune_code: str
    province_code: str


def decide(
    loan: Loan | None,
    command: ApplyForLoan | LoanCommand,
    today: date,
    *,
    borrower: Borrower | None = None,
) -> list[EventPayload]:
    """The events `command` causes on `loan` (None: no loan yet, only `apply` runs;
    `borrower` is needed then)."""
    if isinstance(command, ApplyForLoan):
        if loan is not None:
            raise IllegalTransition(loan.status.value, allowed_commands(loan), command=command.name)
        if borrower is None:
            raise ValueError("an application needs the borrower's units")
        return [_apply(command, borrower, today)]
    if loan is None:
        raise IllegalTransition("absent", [ApplyForLoan.name], command=command.name)
    require_allowed(loan, command.name)
    match command:
        case ApproveLoan():
            return [_approve(loan, command, today)]
        case RejectLoan():
            on = _dated("rejected_on", command.rejected_on, today, loan.applied_on, "application")
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
            on = _after_last_entry(loan, "settled_on", command.settled_on, today)
            return [LoanSettled(settled_on=on, repaid_vnd=loan.repaid_vnd)]
        case _:
            assert_never(command)


def _apply(command: ApplyForLoan, borrower: Borrower, today: date) -> LoanApplied:
    return record_from(
        LoanApplied,
        command,
        commune_code=borrower.commune_code,
        province_code=borrower.province_code,
        applied_on=happened("applied_on", command.applied_on, today),
    )


def _approve(loan: Loan, command: ApproveLoan, today: date) -> LoanApproved:
    amount = command.approved_amount_vnd or loan.applied_amount_vnd
    if amount > loan.applied_amount_vnd:
        raise InvalidField(
            "approved_amount_vnd",
            f"must not exceed the {loan.applied_amount_vnd} VND applied for",
        )
    on = _dated("approved_on", command.approved_on, today, loan.applied_on, "application")
    return LoanApproved(approved_amount_vnd=amount, approved_on=on)


def _disburse(loan: Loan, command: DisburseLoan, today: date) -> LoanDisbursed:
    approved = loan.approved_amount_vnd or 0
    if command.amount_vnd > approved:
        raise InvalidField("amount_vnd", f"must not exceed the {approved} VND approved")
    on = _dated("disbursed_on", command.disbursed_on, today, loan.last_dated_on, "approval")
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
    on = _dated("paid_on", command.paid_on, today, starts, "start of the schedule")
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
    on = _after_last_entry(loan, "restructured_on", command.restructured_on, today)
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
    on = _after_last_entry(loan, "written_off_on", command.written_off_on, today)
    allocations = loan.allocations()
    return LoanWrittenOff(
        reason=command.reason,
        written_off_on=on,
        outstanding_vnd=sched.principal_vnd(loan.schedule) - sched.principal_paid_vnd(allocations),
        unpaid_interest_vnd=sched.unpaid_interest_due_vnd(allocations, on),
    )


def _dated(field: str, day: date | None, today: date, earlier: date | None, what: str) -> date:
    """The date of the fact `field` records: `today` when not given, never in the future, never
    before `earlier` (the date of `what`)."""
    return not_before(field, happened(field, day, today), earlier, what)


def _after_last_entry(loan: Loan, field: str, day: date | None, today: date) -> date:
    return _dated(field, day, today, loan.last_dated_on, "last entry")
