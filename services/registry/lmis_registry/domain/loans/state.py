"""A loan's state, folded from its events, and which commands that state allows.

Lifecycle (domain.md, domain 2):
    applied ─approve→ approved ─disburse→ disbursed ─record-repayment→ repaying ─settle→ settled
       └─reject→ rejected            restructure → restructured (repayments keep it there)
                                     write-off → written_off
Settling needs the schedule paid in full; restructuring and writing off need something
still due. Overdue is not a state here: `position.position(loan, as_of)` derives it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Self
from uuid import UUID

from lmis_registry.domain.errors import IllegalTransition
from lmis_registry.domain.loans import schedule as sched
from lmis_shared.contracts.registry_loans import (
    LoanApplied,
    LoanApproved,
    LoanDisbursed,
    LoanPurpose,
    LoanRejected,
    LoanRepaymentReceived,
    LoanRestructured,
    LoanSettled,
    LoanWrittenOff,
)
from lmis_shared.events import EventPayload


class LoanStatus(StrEnum):
    applied = "applied"
    approved = "approved"
    rejected = "rejected"
    disbursed = "disbursed"
    repaying = "repaying"
    restructured = "restructured"
    written_off = "written_off"
    settled = "settled"


# Statuses in which a schedule runs: money is owed and instalments fall due.
RUNNING = frozenset({LoanStatus.disbursed, LoanStatus.repaying, LoanStatus.restructured})


@dataclass(frozen=True)
class Disbursement:
    amount_vnd: int
    disbursed_on: date
    term_months: int
    annual_interest_rate_bp: int


@dataclass(frozen=True)
class Loan:
    id: UUID
    version: int
    status: LoanStatus
    worker_id: UUID
    purpose: LoanPurpose
    commune_code: str
    province_code: str
    applied_amount_vnd: int
    applied_on: date
    last_dated_on: date
    """The latest business date recorded: later decisions may not be dated before it."""
    approved_amount_vnd: int | None = None
    disbursement: Disbursement | None = None
    schedule: sched.Schedule = ()
    schedule_starts_on: date | None = None
    annual_interest_rate_bp: int = 0
    paid_on_schedule_vnd: int = 0
    """Paid towards the current schedule (after a restructuring: its credit plus repayments)."""
    repaid_vnd: int = 0
    """Everything repaid over the loan's life."""
    restructurings: int = 0
    rejection_reason: str | None = None
    written_off_vnd: int | None = None
    closed_on: date | None = None

    def with_version(self, version: int) -> Self:
        return replace(self, version=version)

    @property
    def remaining_due_vnd(self) -> int:
        """What the current schedule still asks for, principal and interest."""
        if self.status not in RUNNING:
            return 0
        return sched.total_vnd(self.schedule) - self.paid_on_schedule_vnd

    def allocations(self) -> tuple[sched.Allocation, ...]:
        return sched.allocate(self.schedule, self.paid_on_schedule_vnd)


def allowed_commands(loan: Loan) -> list[str]:
    match loan.status:
        case LoanStatus.applied:
            return ["approve", "reject"]
        case LoanStatus.approved:
            return ["disburse"]
        case status if status in RUNNING:
            if loan.remaining_due_vnd == 0:
                return ["settle"]
            return ["record-repayment", "restructure", "write-off"]
    return []


def require_allowed(loan: Loan, command: str) -> None:
    allowed = allowed_commands(loan)
    if command not in allowed:
        raise IllegalTransition(loan.status.value, allowed, command=command)


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


def fold(stream_id: UUID, events: Iterable[tuple[int, EventPayload]]) -> Loan | None:
    state: Loan | None = None
    for version, event in events:
        state = evolve(state, event, stream_id).with_version(version)
    return state


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
