"""`evolve`: a loan's state after one more event; the command path (`AGGREGATE`) folds a
loan's stream with it. Only an event with no loan to apply to (no `LoanApplied` first) is
refused: every other event is a fact already decided.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from lmis_registry.domain.errors import IllegalTransition
from lmis_registry.domain.loans.state import Disbursement, Loan, LoanStatus
from lmis_shared.contracts import registry_loans as events
from lmis_shared.events import EventPayload


def evolve(state: Loan | None, event: EventPayload, stream_id: UUID) -> Loan:
    if isinstance(event, events.LoanApplied):
        return _applied(event, stream_id)
    if state is None:
        raise IllegalTransition("absent", ["apply"], command=event.event_type)
    match event:
        case events.LoanApproved():
            return _dated(
                state,
                LoanStatus.approved,
                event.approved_on,
                approved_amount_vnd=event.approved_amount_vnd,
            )
        case events.LoanRejected():
            return _closed(
                state, LoanStatus.rejected, event.rejected_on, rejection_reason=event.reason
            )
        case events.LoanDisbursed():
            disbursement = Disbursement(
                event.amount_vnd,
                event.disbursed_on,
                event.term_months,
                event.annual_interest_rate_bp,
            )
            return _scheduled(
                state, LoanStatus.disbursed, event.disbursed_on, event, disbursement=disbursement
            )
        case events.LoanRepaymentReceived():
            return _repaid(state, event)
        case events.LoanRestructured():
            return _scheduled(
                state,
                LoanStatus.restructured,
                event.restructured_on,
                event,
                paid_on_schedule_vnd=event.credit_vnd,
                restructurings=state.restructurings + 1,
            )
        case events.LoanWrittenOff():
            written_off = event.outstanding_vnd + event.unpaid_interest_vnd
            return _closed(
                state, LoanStatus.written_off, event.written_off_on, written_off_vnd=written_off
            )
        case events.LoanSettled():
            return _closed(state, LoanStatus.settled, event.settled_on)
    return state  # an event type of another version this fold does not know changes nothing


def _applied(event: events.LoanApplied, stream_id: UUID) -> Loan:
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


def _dated(state: Loan, status: LoanStatus, on: date, **changes: Any) -> Loan:
    """`state` moved to `status` by a decision dated `on`, the loan's latest date from now."""
    return replace(state, status=status, last_dated_on=on, **changes)


def _closed(state: Loan, status: LoanStatus, on: date, **changes: Any) -> Loan:
    """The loan closed on `on` (rejected, written off or settled)."""
    return _dated(state, status, on, closed_on=on, **changes)


def _scheduled(
    state: Loan,
    status: LoanStatus,
    on: date,
    event: events.LoanDisbursed | events.LoanRestructured,
    **changes: Any,
) -> Loan:
    """The event's schedule, at its rate, runs from `on` (the disbursement, or the
    restructuring that replaces the unpaid rest of the schedule before)."""
    return _dated(
        state,
        status,
        on,
        schedule=event.schedule,
        schedule_starts_on=on,
        annual_interest_rate_bp=event.annual_interest_rate_bp,
        **changes,
    )


def _repaid(state: Loan, event: events.LoanRepaymentReceived) -> Loan:
    return replace(
        state,
        status=LoanStatus.repaying if state.status == LoanStatus.disbursed else state.status,
        paid_on_schedule_vnd=state.paid_on_schedule_vnd + event.amount_vnd,
        repaid_vnd=state.repaid_vnd + event.amount_vnd,
        last_dated_on=max(state.last_dated_on, event.paid_on),
    )
