"""Events of a VBSP preferential loan (registry service, stream type `loan`).

A loan is its own aggregate, linked to a worker file by `worker_id` only: no personal data
travels in these events, so the bank's topic needs no redaction. Amounts are whole VND
(integers); dates are Vietnamese calendar dates.

Overdue is NOT an event: it is derived from the schedule, the repayments and a date. A
consumer that tracks instalment deadlines takes the due dates from `LoanDisbursed.schedule`
(replaced wholesale by `LoanRestructured.schedule`, numbered from 1 again) and cancels them
with `LoanRepaymentReceived.paid_through_instalment`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from lmis_shared.events import EventPayload, event


class LoanPurpose(StrEnum):
    going_abroad = "going_abroad"
    job_creation = "job_creation"


class Instalment(BaseModel):
    """One monthly instalment of a schedule: principal plus the interest of its period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int
    due_on: date
    principal_vnd: int
    interest_vnd: int

    @property
    def amount_vnd(self) -> int:
        return self.principal_vnd + self.interest_vnd


@event("lmis.registry.loan.applied.v1", stream_type="loan")
class LoanApplied(EventPayload):
    worker_id: UUID
    purpose: LoanPurpose
    amount_vnd: int
    commune_code: str
    """The borrower's commune when the loan was applied for: the loan's scope for ever."""
    province_code: str
    applied_on: date


@event("lmis.registry.loan.approved.v1", stream_type="loan")
class LoanApproved(EventPayload):
    approved_amount_vnd: int
    approved_on: date


@event("lmis.registry.loan.rejected.v1", stream_type="loan")
class LoanRejected(EventPayload):
    reason: str
    rejected_on: date


@event("lmis.registry.loan.disbursed.v1", stream_type="loan")
class LoanDisbursed(EventPayload):
    amount_vnd: int
    disbursed_on: date
    term_months: int
    annual_interest_rate_bp: int
    """Basis points a year: 792 is 7.92 % a year (0.66 % a month)."""
    schedule: tuple[Instalment, ...]


@event("lmis.registry.loan.repayment_received.v1", stream_type="loan")
class LoanRepaymentReceived(EventPayload):
    amount_vnd: int
    paid_on: date
    principal_vnd: int
    """The part of `amount_vnd` that repaid principal; the rest paid interest."""
    interest_vnd: int
    outstanding_vnd: int
    """Principal still owed after this repayment."""
    paid_through_instalment: int
    """Every instalment up to this number (of the current schedule) is paid in full; 0: none."""


@event("lmis.registry.loan.restructured.v1", stream_type="loan")
class LoanRestructured(EventPayload):
    restructured_on: date
    reason: str
    term_months: int
    annual_interest_rate_bp: int
    outstanding_vnd: int
    """Principal still owed on the restructuring date: the new schedule's principal."""
    carried_interest_vnd: int
    """Interest already due and unpaid under the old schedule, added to instalment 1."""
    credit_vnd: int
    """Interest paid in advance for periods the old schedule no longer charges, counted as
    already paid towards the new schedule."""
    schedule: tuple[Instalment, ...]


@event("lmis.registry.loan.written_off.v1", stream_type="loan")
class LoanWrittenOff(EventPayload):
    reason: str
    written_off_on: date
    outstanding_vnd: int
    """Principal written off."""
    unpaid_interest_vnd: int
    """Interest already due and unpaid, written off with it."""


@event("lmis.registry.loan.settled.v1", stream_type="loan")
class LoanSettled(EventPayload):
    settled_on: date
    repaid_vnd: int
    """Everything the borrower paid over the loan's life, principal and interest."""
