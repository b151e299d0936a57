"""What a bank officer can ask of a loan. Each command's `name` is its HTTP path segment
(`POST /v1/loans/{id}/<name>`) and the word a refused transition lists as allowed.

Money fields are strict integers: `1000.0`, `"1000"` and `true` are refused, so no float or
string ever becomes an amount. Dates left out mean today (the service's clock); past dates
are normal (records are often entered late), future dates are refused by the decision.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from lmis_shared.contracts.registry_loans import LoanPurpose
from lmis_shared.text import nfc

# A ceiling far above any VBSP loan that keeps every amount exact in a JavaScript client too.
MAX_AMOUNT_VND = 100_000_000_000
MAX_TERM_MONTHS = 120  # VBSP's longest preferential term (job creation), 10 years
MAX_RATE_BP = 10_000  # 100 % a year: a sanity bound, not a policy

AmountVnd = Annotated[int, Field(strict=True, gt=0, le=MAX_AMOUNT_VND, description="whole VND")]
TermMonths = Annotated[int, Field(strict=True, ge=1, le=MAX_TERM_MONTHS)]
RateBp = Annotated[
    int,
    Field(
        strict=True,
        ge=0,
        le=MAX_RATE_BP,
        description="annual interest rate in basis points: 792 is 7.92 % a year (0.66 % a month)",
        examples=[792],
    ),
]


Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(nfc),
]


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: ClassVar[str]


class ApplyForLoan(_Command):
    """Apply for a loan for the holder of a worker file (the loan takes the file's commune)."""

    name: ClassVar[str] = "apply"
    worker_id: UUID
    purpose: LoanPurpose = Field(examples=["going_abroad"])
    amount_vnd: AmountVnd = Field(examples=[100_000_000])
    applied_on: date | None = Field(None, description="defaults to today; may be in the past")


class ApproveLoan(_Command):
    name: ClassVar[str] = "approve"
    approved_amount_vnd: AmountVnd | None = Field(
        None, description="at most the amount applied for; defaults to it", examples=[80_000_000]
    )
    approved_on: date | None = None


class RejectLoan(_Command):
    name: ClassVar[str] = "reject"
    reason: Reason = Field(examples=["incomplete application"])
    rejected_on: date | None = None


class DisburseLoan(_Command):
    """Pay the loan out; the instalment schedule is generated from these figures."""

    name: ClassVar[str] = "disburse"
    amount_vnd: AmountVnd = Field(description="at most the approved amount", examples=[80_000_000])
    disbursed_on: date | None = Field(None, examples=["2026-01-15"])
    term_months: TermMonths = Field(examples=[36])
    annual_interest_rate_bp: RateBp


class RecordRepayment(_Command):
    name: ClassVar[str] = "record-repayment"
    amount_vnd: AmountVnd = Field(
        description="at most what is still due under the schedule", examples=[2_750_000]
    )
    paid_on: date | None = None


class RestructureLoan(_Command):
    """Replace the unpaid rest of the schedule by a new one from the restructuring date."""

    name: ClassVar[str] = "restructure"
    reason: Reason = Field(examples=["natural disaster: flood of 2026-09"])
    term_months: TermMonths = Field(description="months of the new schedule", examples=[24])
    annual_interest_rate_bp: RateBp | None = Field(
        None, description="defaults to the current rate; basis points a year"
    )
    restructured_on: date | None = None


class WriteOffLoan(_Command):
    name: ClassVar[str] = "write-off"
    reason: Reason = Field(examples=["borrower deceased"])
    written_off_on: date | None = None


class SettleLoan(_Command):
    """Close a loan whose schedule is paid in full."""

    name: ClassVar[str] = "settle"
    settled_on: date | None = None


LoanCommand = (
    ApproveLoan
    | RejectLoan
    | DisburseLoan
    | RecordRepayment
    | RestructureLoan
    | WriteOffLoan
    | SettleLoan
)
"""The commands on an existing loan (apply creates one)."""
