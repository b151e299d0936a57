"""The loan's rules on plain values: decide, evolve, and the transitions they allow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from lmis_registry.domain import loans
from lmis_registry.domain.errors import IllegalTransition
from lmis_registry.domain.loans import schedule as sched
from lmis_shared.contracts.registry_loans import (
    LoanRepaymentReceived,
    LoanRestructured,
    LoanWrittenOff,
)
from lmis_shared.errors import InvalidInput
from tests.unit.refusals import refused_fields

TODAY = date(2026, 11, 23)
WORKER = UUID("5d0c1e7a-3b2f-4a8e-9c61-2f4e8d7b9a10")


def applied(amount: int = 100_000_000, on: str = "2026-01-05") -> loans.Loan:
    command = loans.ApplyForLoan(
        worker_id=WORKER,
        purpose="going_abroad",
        amount_vnd=amount,
        applied_on=date.fromisoformat(on),
    )
    events = loans.decide(None, command, TODAY, borrower=loans.Borrower("03637", "12"))
    return loans.AGGREGATE.fold_more(None, uuid4(), events)


def run(loan: loans.Loan, *commands: loans.LoanCommand, today: date = TODAY) -> loans.Loan:
    for command in commands:
        loan = loans.AGGREGATE.fold_more(loan, loan.id, loans.decide(loan, command, today))
    return loan


def disbursed(amount: int = 12_000_000, term: int = 3, rate_bp: int = 1_200) -> loans.Loan:
    """12,000,000 over 3 months at 1 % a month: 4,120,000 / 4,080,000 / 4,040,000."""
    return run(
        applied(amount),
        loans.ApproveLoan(approved_on=date(2026, 1, 8)),
        loans.DisburseLoan(
            amount_vnd=amount,
            disbursed_on=date(2026, 1, 10),
            term_months=term,
            annual_interest_rate_bp=rate_bp,
        ),
    )


def repay(amount: int, on: str = "2026-02-10") -> loans.RecordRepayment:
    return loans.RecordRepayment(amount_vnd=amount, paid_on=date.fromisoformat(on))


def test_a_loan_goes_from_application_to_settlement() -> None:
    loan = run(
        applied(), loans.ApproveLoan(approved_amount_vnd=80_000_000, approved_on=date(2026, 1, 9))
    )
    assert (loan.status, loan.approved_amount_vnd) == (loans.LoanStatus.approved, 80_000_000)

    loan = run(
        loan,
        loans.DisburseLoan(
            amount_vnd=80_000_000,
            disbursed_on=date(2026, 2, 1),
            term_months=24,
            annual_interest_rate_bp=792,
        ),
    )
    assert loan.status == loans.LoanStatus.disbursed
    assert sched.principal_vnd(loan.schedule) == 80_000_000
    assert len(loan.schedule) == 24

    loan = run(loan, repay(loan.schedule[0].amount_vnd, "2026-03-01"))
    assert loan.status == loans.LoanStatus.repaying
    loan = run(loan, repay(loan.remaining_due_vnd, "2026-04-01"))
    assert loans.allowed_commands(loan) == ["settle"]

    loan = run(loan, loans.SettleLoan())
    assert loan.status == loans.LoanStatus.settled
    assert loan.repaid_vnd == sched.total_vnd(loan.schedule)
    assert loans.allowed_commands(loan) == []
    assert loan.version == 6


def test_a_repayment_records_its_principal_and_interest_parts_and_what_remains() -> None:
    [event] = loans.decide(disbursed(), repay(4_120_000 + 100_000), TODAY)
    assert isinstance(event, LoanRepaymentReceived)
    # instalment 1 in full (120,000 interest, 4,000,000 principal); 80,000 interest of no. 2,
    # then 20,000 of its principal
    assert (event.interest_vnd, event.principal_vnd) == (200_000, 4_020_000)
    assert event.outstanding_vnd == 12_000_000 - 4_020_000
    assert event.paid_through_instalment == 1


def test_a_rejected_application_is_closed() -> None:
    loan = run(applied(), loans.RejectLoan(reason="incomplete file", rejected_on=date(2026, 1, 6)))
    assert (loan.status, loan.rejection_reason) == (loans.LoanStatus.rejected, "incomplete file")
    assert loans.allowed_commands(loan) == []


def test_restructuring_carries_unpaid_due_interest_and_restarts_the_schedule() -> None:
    behind = run(disbursed(), repay(100_000))  # 100,000 of 120,000 interest; 4 months later:
    [event] = loans.decide(
        behind,
        loans.RestructureLoan(reason="flood", term_months=6, restructured_on=date(2026, 5, 20)),
        TODAY,
    )
    assert isinstance(event, LoanRestructured)
    assert event.outstanding_vnd == 12_000_000  # no principal was repaid
    # interest of instalments 1-3 (due Feb, Mar, Apr 10) minus the 100,000 paid
    assert event.carried_interest_vnd == 120_000 + 80_000 + 40_000 - 100_000
    assert event.credit_vnd == 0
    assert event.annual_interest_rate_bp == 1_200  # kept when not given
    assert sched.principal_vnd(event.schedule) == 12_000_000
    assert event.schedule[0].due_on == date(2026, 6, 20)
    assert event.schedule[0].interest_vnd == 120_000 + 140_000

    loan = run(behind, loans.RestructureLoan(reason="flood", term_months=6))
    assert (loan.status, loan.restructurings) == (loans.LoanStatus.restructured, 1)
    loan = run(loan, repay(1_000, "2026-11-23"))
    assert loan.status == loans.LoanStatus.restructured  # a restructured loan stays so


def test_interest_paid_ahead_is_credited_to_the_new_schedule() -> None:
    ahead = run(disbursed(), repay(4_120_000 + 80_000))  # instalment 1 and no. 2's interest
    [event] = loans.decide(
        ahead,
        loans.RestructureLoan(reason="hardship", term_months=2, restructured_on=date(2026, 2, 20)),
        TODAY,
    )
    assert isinstance(event, LoanRestructured)
    assert (event.credit_vnd, event.carried_interest_vnd) == (80_000, 0)
    loan = loans.evolve(ahead, event, ahead.id)
    assert loan.remaining_due_vnd == sched.total_vnd(event.schedule) - 80_000


def test_a_restructuring_that_would_ask_less_than_the_interest_paid_ahead_is_refused() -> None:
    # 120 months at 100 % a year, all but 100,000 paid before the first due date: more interest
    # was paid ahead than an interest-free new schedule would ask for
    loan = disbursed(12_000_000, term=120, rate_bp=10_000)
    loan = run(loan, repay(loan.remaining_due_vnd - 100_000, "2026-01-20"))
    command = loans.RestructureLoan(
        reason="rate cut",
        term_months=1,
        annual_interest_rate_bp=0,
        restructured_on=date(2026, 1, 25),
    )
    with pytest.raises(InvalidInput) as refused:
        loans.decide(loan, command, TODAY)
    assert refused.value.field == "annual_interest_rate_bp"


def test_writing_off_records_the_principal_and_the_interest_due_that_are_lost() -> None:
    loan = run(disbursed(), repay(4_120_000))
    [event] = loans.decide(
        loan,
        loans.WriteOffLoan(reason="borrower deceased", written_off_on=date(2026, 3, 15)),
        TODAY,
    )
    assert isinstance(event, LoanWrittenOff)
    assert (event.outstanding_vnd, event.unpaid_interest_vnd) == (8_000_000, 80_000)
    closed = loans.evolve(loan, event, loan.id)
    assert (closed.status, closed.written_off_vnd) == (loans.LoanStatus.written_off, 8_080_000)
    assert loans.allowed_commands(closed) == []


RUNNING = ["record-repayment", "restructure", "write-off"]
LOAN_IN: dict[str, Callable[[], loans.Loan]] = {
    "applied": applied,
    "approved": lambda: run(applied(), loans.ApproveLoan(approved_on=date(2026, 1, 8))),
    "rejected": lambda: run(applied(), loans.RejectLoan(reason="no")),
    "disbursed": disbursed,
    "settled": lambda: run(
        run(disbursed(), repay(12_240_000)), loans.SettleLoan(settled_on=date(2026, 3, 1))
    ),
    "written_off": lambda: run(disbursed(), loans.WriteOffLoan(reason="x")),
}


@pytest.mark.parametrize(
    ("state", "command", "allowed"),
    [
        ("applied", repay(1), ["approve", "reject"]),
        ("applied", loans.SettleLoan(), ["approve", "reject"]),
        ("approved", repay(1), ["disburse"]),
        ("approved", loans.ApproveLoan(), ["disburse"]),
        ("rejected", loans.ApproveLoan(), []),
        ("disbursed", loans.SettleLoan(), RUNNING),  # 12,240,000 still due
        ("disbursed", loans.RejectLoan(reason="late"), RUNNING),
        ("settled", repay(1), []),
        ("written_off", repay(1), []),
    ],
)
def test_an_illegal_transition_names_the_state_and_the_allowed_commands(
    state: str, command: loans.LoanCommand, allowed: list[str]
) -> None:
    with pytest.raises(IllegalTransition) as refused:
        loans.decide(LOAN_IN[state](), command, TODAY)
    assert refused.value.current_state == state
    assert refused.value.allowed_commands == allowed
    assert refused.value.command == command.name


@pytest.mark.parametrize(
    ("state", "command", "field"),
    [
        ("applied", loans.ApproveLoan(approved_amount_vnd=100_000_001), "approved_amount_vnd"),
        ("applied", loans.ApproveLoan(approved_on=date(2026, 1, 4)), "approved_on"),
        ("applied", loans.ApproveLoan(approved_on=date(2026, 11, 24)), "approved_on"),
        ("applied", loans.RejectLoan(reason="x", rejected_on=date(2027, 1, 1)), "rejected_on"),
        ("disbursed", repay(12_240_001), "amount_vnd"),  # the whole schedule is 12,240,000
        ("disbursed", repay(1, "2026-01-09"), "paid_on"),  # before the disbursement
        ("disbursed", repay(1, "2026-11-24"), "paid_on"),
        (
            "disbursed",
            loans.RestructureLoan(reason="x", term_months=3, restructured_on=date(2026, 1, 9)),
            "restructured_on",
        ),
        (
            "disbursed",
            loans.WriteOffLoan(reason="x", written_off_on=date(2026, 1, 1)),
            "written_off_on",
        ),
    ],
)
def test_a_value_that_breaks_a_rule_is_refused_naming_the_field(
    state: str, command: loans.LoanCommand, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        loans.decide(LOAN_IN[state](), command, TODAY)
    assert refused.value.field == field


def test_disbursing_more_than_was_approved_is_refused() -> None:
    approved = run(applied(), loans.ApproveLoan(approved_amount_vnd=50_000_000))
    command = loans.DisburseLoan(amount_vnd=50_000_001, term_months=12, annual_interest_rate_bp=792)
    with pytest.raises(InvalidInput) as refused:
        loans.decide(approved, command, TODAY)
    assert refused.value.field == "amount_vnd"


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (loans.RecordRepayment, {"amount_vnd": 0}, "amount_vnd"),
        (loans.RecordRepayment, {"amount_vnd": -5_000}, "amount_vnd"),
        (loans.RecordRepayment, {"amount_vnd": 1000.0}, "amount_vnd"),  # no floats for money
        (loans.RecordRepayment, {"amount_vnd": 1000.5}, "amount_vnd"),
        (loans.RecordRepayment, {"amount_vnd": "1000"}, "amount_vnd"),
        (loans.RecordRepayment, {"amount_vnd": True}, "amount_vnd"),
        (loans.RecordRepayment, {"amount_vnd": 10**15}, "amount_vnd"),
        (
            loans.DisburseLoan,
            {"amount_vnd": 1, "term_months": 0, "annual_interest_rate_bp": 1},
            "term_months",
        ),
        (
            loans.DisburseLoan,
            {"amount_vnd": 1, "term_months": 121, "annual_interest_rate_bp": 1},
            "term_months",
        ),
        (
            loans.DisburseLoan,
            {"amount_vnd": 1, "term_months": 12, "annual_interest_rate_bp": -1},
            "annual_interest_rate_bp",
        ),
        (
            loans.DisburseLoan,
            {"amount_vnd": 1, "term_months": 12, "annual_interest_rate_bp": 7.92},
            "annual_interest_rate_bp",
        ),
        (loans.RejectLoan, {"reason": "   "}, "reason"),
        (
            loans.ApplyForLoan,
            {"worker_id": str(WORKER), "purpose": "buying a car", "amount_vnd": 1},
            "purpose",
        ),
        (
            loans.ApplyForLoan,
            {"worker_id": "12", "purpose": "job_creation", "amount_vnd": 1},
            "worker_id",
        ),
        (loans.SettleLoan, {"note": "paid"}, "note"),
    ],
)
def test_an_invalid_field_is_refused_naming_it(
    model: type[Any], body: dict[str, Any], field: str
) -> None:
    assert field in refused_fields(model.model_validate, body)


def test_reasons_are_kept_in_nfc() -> None:
    command = loans.RejectLoan(reason="  thie\u0302\u0301u ho\u0302\u0300 so\u031b  ")
    assert command.reason == "thiếu hồ sơ"
