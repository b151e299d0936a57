"""A loan's state (folded from its events by `evolve`) and which commands that state allows.

Lifecycle (domain.md, domain 2):
    applied ─approve→ approved ─disburse→ disbursed ─record-repayment→ repaying ─settle→ settled
       └─reject→ rejected            restructure → restructured (repayments keep it there)
                                     write-off → written_off
Settling needs the schedule paid in full; restructuring and writing off need something
still due. Overdue is not a state here: `position.position(loan, as_of)` derives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from lmis_registry.domain.errors import IllegalTransition
from lmis_registry.domain.loans import schedule as sched
from lmis_shared.commands import VersionedState
from lmis_shared.contracts.registry_loans import LoanPurpose


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
class Loan(VersionedState):
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
