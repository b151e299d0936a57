"""The loans HTTP API (`/v1/loans`): routes translate between the wire and `Loans`, nothing more.

Wiring, in the registry's app:
    app.state.loans = build_loans(store, clock, authorizer)   # lmis_registry.application.loans
    routers=[..., loans_router]
Authentication, problem details and tracing come from `lmis_shared.web`; authorisation (role
`bank`, province officers, admin; scope = the borrower's commune) is in `Loans`.

Every command accepts `Idempotency-Key` (a repeat returns the first answer, flagged
`Idempotent-Replayed: true`) and `If-Match` (the version last read; 412 when stale). Answers
carry the new version as `ETag`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from lmis_registry.application.loans import LoanReport, Loans
from lmis_registry.domain import loans as domain
from lmis_shared.commands import CommandResult
from lmis_shared.web import PROBLEM_RESPONSES, RequestContext, etag, request_context

LOANS_STATE = "loans"
"""The `app.state` attribute that holds the `Loans` service."""

# The shape `create_app` documents its own problem answers with, minus the description.
_PROBLEM = {k: v for k, v in PROBLEM_RESPONSES[422].items() if k != "description"}
_COMMAND_PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {**_PROBLEM, "description": "no such loan"},
    409: {
        **_PROBLEM,
        "description": "not allowed in the loan's state (`current_state`, `allowed_commands`), "
        "or changed by someone else meanwhile",
    },
    412: {**_PROBLEM, "description": "`If-Match` names a version that is no longer current"},
}

# Commands whose every field has a default may be sent without a body.
_APPROVE_AS_APPLIED = domain.ApproveLoan()
_SETTLE_TODAY = domain.SettleLoan()

loans_router = APIRouter(prefix="/v1/loans", tags=["loans"])


def loans_service(request: Request) -> Loans:
    """FastAPI dependency: the `Loans` service the app was built with."""
    service: Loans = getattr(request.app.state, LOANS_STATE)
    return service


Context = Annotated[RequestContext, Depends(request_context)]
Service = Annotated[Loans, Depends(loans_service)]


class CommandAnswer(BaseModel):
    id: UUID
    version: int
    status: str


class InstalmentView(BaseModel):
    number: int
    due_on: date
    principal_vnd: int
    interest_vnd: int
    amount_vnd: int
    paid_vnd: int


class DueView(BaseModel):
    number: int
    due_on: date
    amount_vnd: int


class LoanView(BaseModel):
    id: UUID
    version: int
    status: str
    allowed_commands: list[str]
    worker_id: UUID
    purpose: str
    commune_code: str
    province_code: str
    applied_amount_vnd: int
    applied_on: date
    approved_amount_vnd: int | None
    disbursed_amount_vnd: int | None
    disbursed_on: date | None
    term_months: int | None
    annual_interest_rate_bp: int | None
    restructurings: int
    schedule: list[InstalmentView]
    repaid_vnd: int
    written_off_vnd: int | None
    closed_on: date | None
    as_of: date
    outstanding_vnd: int
    remaining_due_vnd: int
    next_due: DueView | None
    overdue: bool
    overdue_amount_vnd: int
    overdue_since: date | None
    days_past_due: int

    @classmethod
    def of(cls, report: LoanReport) -> LoanView:
        loan, where = report.loan, report.position
        paid = loan.disbursement
        return cls(
            id=loan.id,
            version=loan.version,
            status=loan.status.value,
            allowed_commands=domain.allowed_commands(loan),
            worker_id=loan.worker_id,
            purpose=loan.purpose.value,
            commune_code=loan.commune_code,
            province_code=loan.province_code,
            applied_amount_vnd=loan.applied_amount_vnd,
            applied_on=loan.applied_on,
            approved_amount_vnd=loan.approved_amount_vnd,
            disbursed_amount_vnd=paid.amount_vnd if paid else None,
            disbursed_on=paid.disbursed_on if paid else None,
            term_months=paid.term_months if paid else None,
            annual_interest_rate_bp=loan.annual_interest_rate_bp if paid else None,
            restructurings=loan.restructurings,
            schedule=[
                InstalmentView(
                    number=a.instalment.number,
                    due_on=a.instalment.due_on,
                    principal_vnd=a.instalment.principal_vnd,
                    interest_vnd=a.instalment.interest_vnd,
                    amount_vnd=a.instalment.amount_vnd,
                    paid_vnd=a.paid_vnd,
                )
                for a in loan.allocations()
            ],
            repaid_vnd=loan.repaid_vnd,
            written_off_vnd=loan.written_off_vnd,
            closed_on=loan.closed_on,
            as_of=where.as_of,
            outstanding_vnd=where.outstanding_vnd,
            remaining_due_vnd=where.remaining_due_vnd,
            next_due=DueView(**vars(where.next_due)) if where.next_due else None,
            overdue=where.overdue,
            overdue_amount_vnd=where.overdue_amount_vnd,
            overdue_since=where.overdue_since,
            days_past_due=where.days_past_due,
        )


class HistoryItem(BaseModel):
    version: int
    event_type: str
    recorded_at: datetime
    actor: str
    data: dict[str, Any]


class LoanHistory(BaseModel):
    id: UUID
    items: list[HistoryItem]


@loans_router.post(
    "",
    status_code=201,
    response_model=CommandAnswer,
    summary="Apply for a loan (VBSP)",
    description="Opens a loan application for the holder of a worker file; the loan belongs "
    "to that file's commune. 422 names `worker_id` when no worker file has that id.",
)
async def apply_for_loan(body: domain.ApplyForLoan, ctx: Context, loans: Service) -> JSONResponse:
    result = await loans.apply(body, ctx.command())
    return _answer(result, {"Location": f"/v1/loans/{result.body['id']}"})


@loans_router.post(
    "/{loan_id}/approve",
    response_model=CommandAnswer,
    responses=_COMMAND_PROBLEMS,
    summary="Approve an application, for at most the amount applied for",
)
async def approve_loan(
    loan_id: UUID, ctx: Context, loans: Service, body: domain.ApproveLoan = _APPROVE_AS_APPLIED
) -> JSONResponse:
    return await _execute(loans, loan_id, body, ctx)


@loans_router.post(
    "/{loan_id}/reject",
    response_model=CommandAnswer,
    responses=_COMMAND_PROBLEMS,
    summary="Reject an application",
)
async def reject_loan(
    loan_id: UUID, body: domain.RejectLoan, ctx: Context, loans: Service
) -> JSONResponse:
    return await _execute(loans, loan_id, body, ctx)


@loans_router.post(
    "/{loan_id}/disburse",
    response_model=CommandAnswer,
    responses=_COMMAND_PROBLEMS,
    summary="Pay out an approved loan; generates the instalment schedule",
    description="Equal monthly principal instalments, interest on the declining balance at a "
    "twelfth of the annual rate, rounded half up to the đồng per instalment.",
)
async def disburse_loan(
    loan_id: UUID, body: domain.DisburseLoan, ctx: Context, loans: Service
) -> JSONResponse:
    return await _execute(loans, loan_id, body, ctx)


@loans_router.post(
    "/{loan_id}/record-repayment",
    response_model=CommandAnswer,
    responses=_COMMAND_PROBLEMS,
    summary="Record a repayment (oldest instalment first, interest before principal)",
)
async def record_repayment(
    loan_id: UUID, body: domain.RecordRepayment, ctx: Context, loans: Service
) -> JSONResponse:
    return await _execute(loans, loan_id, body, ctx)


@loans_router.post(
    "/{loan_id}/restructure",
    response_model=CommandAnswer,
    responses=_COMMAND_PROBLEMS,
    summary="Replace the unpaid rest of the schedule by a new one",
)
async def restructure_loan(
    loan_id: UUID, body: domain.RestructureLoan, ctx: Context, loans: Service
) -> JSONResponse:
    return await _execute(loans, loan_id, body, ctx)


@loans_router.post(
    "/{loan_id}/write-off",
    response_model=CommandAnswer,
    responses=_COMMAND_PROBLEMS,
    summary="Write off what is still owed",
)
async def write_off_loan(
    loan_id: UUID, body: domain.WriteOffLoan, ctx: Context, loans: Service
) -> JSONResponse:
    return await _execute(loans, loan_id, body, ctx)


@loans_router.post(
    "/{loan_id}/settle",
    response_model=CommandAnswer,
    responses=_COMMAND_PROBLEMS,
    summary="Close a loan whose schedule is paid in full",
)
async def settle_loan(
    loan_id: UUID, ctx: Context, loans: Service, body: domain.SettleLoan = _SETTLE_TODAY
) -> JSONResponse:
    return await _execute(loans, loan_id, body, ctx)


@loans_router.get(
    "/{loan_id}",
    response_model=LoanView,
    responses={404: _COMMAND_PROBLEMS[404]},
    summary="A loan's state, schedule and position today (outstanding, next due, overdue)",
)
async def get_loan(loan_id: UUID, ctx: Context, loans: Service) -> JSONResponse:
    report = await loans.get(loan_id, ctx.principal)
    return JSONResponse(
        LoanView.of(report).model_dump(mode="json"), headers={"ETag": etag(report.loan.version)}
    )


@loans_router.get(
    "/{loan_id}/history",
    response_model=LoanHistory,
    responses={404: _COMMAND_PROBLEMS[404]},
    summary="The loan's events, oldest first",
)
async def loan_history(loan_id: UUID, ctx: Context, loans: Service) -> LoanHistory:
    recorded = await loans.history(loan_id, ctx.principal)
    return LoanHistory(
        id=loan_id,
        items=[
            HistoryItem(
                version=r.metadata.stream_version,
                event_type=r.event_type,
                recorded_at=r.metadata.recorded_at,
                actor=r.metadata.actor,
                data=r.data,
            )
            for r in recorded
        ],
    )


async def _execute(
    loans: Loans, loan_id: UUID, command: domain.LoanCommand, ctx: RequestContext
) -> JSONResponse:
    result = await loans.execute(loan_id, command, ctx.command())
    return _answer(result)


def _answer(result: CommandResult, headers: dict[str, str] | None = None) -> JSONResponse:
    headers = {**(headers or {}), "ETag": etag(int(result.body["version"]))}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(result.body, status_code=result.status_code, headers=headers)
