"""`evolve`: a loan's state after one more event; the command path (`AGGREGATE`) folds a
loan's stream with it. Only an event with no loan to apply to (no `LoanApplied` first) is
refused: every other event is a fact already decided.
"""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from lmis_registry.domain.errors import IllegalTransition
from lmis_registry.domain.loans.state import Disbursement, Loan, LoanStatus
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


def evolve(state: Loan | None, event: EventPayload, stream_id: UUID) -> Loan:
    if isinstance(event, LoanApplied):
        return _applied(event, stream_id)
    if state is None:
        raise IllegalTransition("absent", ["apply"], command=event.event_type)
    match event:
        case LoanApproved():
            return replace(
                state,
                status=LoanStatus.approved,
                approved_amount_vnd=event.approved_amount_vnd,
                last_dated_on=event.approved_on,
            )
        case LoanRejected():
            return replace(
                state,
                status=LoanStatus.rejected,
                rejection_reason=event.reason,
                closed_on=event.rejected_on,
                last_dated_on=event.rejected_on,
            )
        case LoanDisbursed():
            return _disbursed(state, event)
        case LoanRepaymentReceived():
            return _repaid(state, event)
        case LoanRestructured():
            return _restructured(state, event)
        case LoanWrittenOff():
            return replace(
                state,
                status=LoanStatus.written_off,
                written_off_vnd=event.outstanding_vnd + event.unpaid_interest_vnd,
                closed_on=event.written_off_on,
                last_dated_on=event.written_off_on,
            )
        case LoanSettled():
            return replace(
                state,
                status=LoanStatus.settled,
                closed_on=event.settled_on,
                last_dated_on=event.settled_on,
            )
    return state  # an event type of another version this fold does not know changes nothing


def _applied(event: LoanApplied, stream_id: UUID) -> Loan:
    return Loan(
        id=stream_id,
        version=0,
        status=LoanStatus.applied,
        worker_id=event.worker_id,
        purpose=event.purpose,
        commune_code=event.commune_code,
        province_code=event.province_code,
        applied_amount_vnd=event.amount_vnd,
        applied_on=event.applied_on,
        last_dated_on=event.applied_on,
    )


def _disbursed(state: Loan, event: LoanDisbursed) -> Loan:
    return replace(
        state,
        status=LoanStatus.disbursed,
        disbursement=Disbursement(
            event.amount_vnd, event.disbursed_on, event.term_months, event.annual_interest_rate_bp
        ),
        schedule=event.schedule,
        schedule_starts_on=event.disbursed_on,
        annual_interest_rate_bp=event.annual_interest_rate_bp,
        last_dated_on=event.disbursed_on,
    )


def _repaid(state: Loan, event: LoanRepaymentReceived) -> Loan:
    return replace(
        state,
        status=LoanStatus.repaying if state.status == LoanStatus.disbursed else state.status,
        paid_on_schedule_vnd=state.paid_on_schedule_vnd + event.amount_vnd,
        repaid_vnd=state.repaid_vnd + event.amount_vnd,
        last_dated_on=max(state.last_dated_on, event.paid_on),
    )


def _restructured(state: Loan, event: LoanRestructured) -> Loan:
    return replace(
        state,
        status=LoanStatus.restructured,
        schedule=event.schedule,
        schedule_starts_on=event.restructured_on,
        annual_interest_rate_bp=event.annual_interest_rate_bp,
        paid_on_schedule_vnd=event.credit_vnd,
        restructurings=state.restructurings + 1,
        last_dated_on=event.restructured_on,
    )
