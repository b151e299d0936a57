"""The loans HTTP API (`/v1/loans`): routes translate between the wire and `Loans`, nothing more.

Authentication, problem details and tracing come from `lmis_shared.web`; authorisation (role
`bank`, province officers, admin; scope = the borrower's commune) is in `Loans`.

Every command accepts `Idempotency-Key` (a repeat returns the first answer, flagged
`Idempotent-Replayed: true`) and `If-Match` (the version last read; 412 when stale). Answers
carry the new version as `ETag`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from lmis_registry.application.ports import LoanSummary
from lmis_registry.domain import loans as domain
from lmis_registry.entrypoints.dependencies import App
from lmis_registry.entrypoints.loan_list import COLUMNS, LoanFilters, LoanList
from lmis_registry.entrypoints.views import CommandAnswer, LoanHistory, LoanView
from lmis_shared.access.web import Access
from lmis_shared.web import PROBLEM_RESPONSES, Context
from lmis_shared.web.commands import command_responses, command_route, current
from lmis_shared.web.paging import HistoryWindow
from lmis_shared.web.xlsx import XLSX, Sheet, every_row, wants_xlsx, xlsx_response

COMMAND_RESPONSES = command_responses(
    "no such loan",
    "not allowed in the loan's state (`current_state`, `allowed_commands`), "
    "or changed by someone else meanwhile",
)

loans_router = APIRouter(prefix="/v1/loans", tags=["loans"])
# A loan is the borrower's personal data: its reads are recorded under the worker and the loan.
LOAN = ("loan", "schedule", "repayments")
LOAN_HISTORY = ("history",)
LOAN_LIST = ("loan", "position")

command_route(
    loans_router,
    "",
    domain.ApplyForLoan,
    lambda app: app.loans.apply,
    app=App,
    location=lambda result: f"/v1/loans/{result.body['id']}",
    name="apply_for_loan",
    response_model=CommandAnswer,
    summary="Apply for a loan (VBSP)",
    description="Opens a loan application for the holder of a worker file; the loan belongs "
    "to that file's commune. 422 names `worker_id` when no worker file has that id.",
)

# (command, endpoint name, summary, description) of each command on a loan
_LOAN_COMMANDS: tuple[tuple[type[domain.LoanCommand], str, str, str | None], ...] = (
    (
        domain.ApproveLoan,
        "approve_loan",
        "Approve an application, for at most the amount applied for",
        None,
    ),
    (domain.RejectLoan, "reject_loan", "Reject an application", None),
    (
        domain.DisburseLoan,
        "disburse_loan",
        "Pay out an approved loan; generates the instalment schedule",
        "Equal monthly principal instalments, interest on the declining balance at a "
        "twelfth of the annual rate, rounded half up to the đồng per instalment.",
    ),
    (
        domain.RecordRepayment,
        "record_repayment",
        "Record a repayment (oldest instalment first, interest before principal)",
        None,
    ),
    (
        domain.RestructureLoan,
        "restructure_loan",
        "Replace the unpaid rest of the schedule by a new one",
        None,
    ),
    (domain.WriteOffLoan, "write_off_loan", "Write off what is still owed", None),
    (domain.SettleLoan, "settle_loan", "Close a loan whose schedule is paid in full", None),
)


def _add_loan_commands() -> None:
    """`POST /v1/loans/{id}/<command>` for each. A command whose every field has a default
    (approve as applied, settle today) may be sent without a body."""
    for command, name, summary, description in _LOAN_COMMANDS:
        command_route(
            loans_router,
            f"/{{loan_id}}/{command.name}",
            command,
            lambda app: app.loans.execute,
            app=App,
            name=name,
            response_model=CommandAnswer,
            summary=summary,
            description=description,
            responses=COMMAND_RESPONSES,
            optional_body=command in (domain.ApproveLoan, domain.SettleLoan),
        )


_add_loan_commands()


@loans_router.get(
    "",
    response_model=LoanList,
    summary="List loans (khoản vay), with their arrears today",
    description="The loans the caller may read (a commune officer or the bank's branch: its "
    "unit's; the province: the province's), filtered by every parameter given, sorted by "
    "`sort`, paged by `next_cursor`. Arrears are as of today (`as_of`); the pages of one "
    "listing keep the day of the first. `?format=xlsx` (or `Accept: " + XLSX + "`) answers an "
    "Excel workbook of every matching loan (at most 100,000), with the filters and the time "
    "in the sheet. Each page or workbook is recorded in the access record (the borrowers' "
    "ids).",
    responses={
        200: {"content": {XLSX: {}}, "description": "the page, or the workbook"},
        403: PROBLEM_RESPONSES[403],
    },
    openapi_extra={
        "x-examples": [
            "/v1/loans?overdue=true&commune=03637&sort=-overdue_amount",
            "/v1/loans?status=repaying&status=restructured&days_past_due_min=90",
            "/v1/loans?purpose=going_abroad&applied_from=2026-01-01&format=xlsx",
        ]
    },
)
async def list_loans(
    request: Request,
    filters: Annotated[LoanFilters, Query()],
    ctx: Context,
    app: App,
    access: Access,
) -> Response:
    query = filters.search(app.loans.today())
    if wants_xlsx(request, filters.format):

        async def page(cursor: str | None) -> tuple[list[LoanSummary], str | None]:
            found = await app.loans.search(replace(query, cursor=cursor, limit=500), ctx.principal)
            return found.items, found.next_cursor

        sheet = Sheet("Danh sách khoản vay", "khoan-vay", filters.asked(), app.loans.now())
        workbook, rows = await xlsx_response(sheet, COLUMNS, every_row(page))
        await access.record("export", _borrowers_and_loans(rows), LOAN_LIST)
        return workbook
    listed = await app.loans.search(query, ctx.principal)
    await access.list(_borrowers_and_loans(listed.items), LOAN_LIST)
    return JSONResponse(LoanList.of(listed).model_dump(mode="json"))


def _borrowers_and_loans(items: list[LoanSummary]) -> list[UUID]:
    return [i for s in items for i in (s.worker_id, s.id)]


@loans_router.get(
    "/{loan_id}",
    response_model=LoanView,
    responses={404: COMMAND_RESPONSES[404]},
    summary="A loan's state, schedule and position today (outstanding, next due, overdue)",
)
async def get_loan(loan_id: UUID, ctx: Context, app: App, access: Access) -> JSONResponse:
    report = await app.loans.get(loan_id, ctx.principal)
    await access.read([report.loan.worker_id, loan_id], LOAN)
    return current(LoanView.of(report), report.loan.version)


@loans_router.get(
    "/{loan_id}/history",
    response_model=LoanHistory,
    responses={404: COMMAND_RESPONSES[404]},
    summary="The loan's events, oldest first",
)
async def loan_history(
    loan_id: UUID, window: HistoryWindow, ctx: Context, app: App, access: Access
) -> LoanHistory:
    recorded = await app.loans.history(loan_id, ctx.principal)
    borrowers = [r.data["worker_id"] for r in recorded if "worker_id" in r.data]
    page, next_cursor = window.page(recorded)
    await access.read([*borrowers, loan_id], LOAN_HISTORY)
    return LoanHistory.of(loan_id, page, next_cursor)
