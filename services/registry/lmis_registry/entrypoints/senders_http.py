"""The register of sending organisations (`/v1/sending-organisations`): routes translate
between the wire and `SendingOrganisations`, nothing more.

The province's department (province officers) and admins register, update and suspend; commune
and province officers and the police record complaints about brokers; officers read. The
register holds no personal data, so its reads are not in the access record.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from lmis_registry.application.sender_imports import SenderImports
from lmis_registry.application.sender_ports import SenderPage, SenderSearch, SenderSummary
from lmis_registry.domain import senders as domain
from lmis_registry.entrypoints.dependencies import App
from lmis_registry.entrypoints.views import LoanHistory
from lmis_shared.contracts.registry import SendingOrganisationKind
from lmis_shared.contracts.registry_senders import LicenceStatus
from lmis_shared.web import PROBLEM_RESPONSES, Context
from lmis_shared.web.commands import command_responses, command_route, current
from lmis_shared.web.imports import imports_router
from lmis_shared.web.paging import HistoryWindow

senders_router = APIRouter(prefix="/v1/sending-organisations", tags=["sending organisations"])
COMMAND_RESPONSES = command_responses(
    "no such sending organisation",
    "not allowed in the licence's state, changed by someone else meanwhile, or a licence "
    "number already in the register",
)


class SenderAnswer(BaseModel):
    id: UUID
    version: int
    licence_status: LicenceStatus


class SenderView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    version: int
    kind: SendingOrganisationKind
    name: str
    licence_number: str | None
    licence_status: LicenceStatus
    licensed_on: date | None
    licence_valid_until: date | None
    markets: list[str]
    suspended_on: date | None = None
    suspension_reason: str | None = None
    complaints: int = 0
    last_complaint_on: date | None = None


class SenderFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: SendingOrganisationKind | None = None
    status: list[LicenceStatus] = Field([], description="repeat for several")
    market: str | None = Field(None, pattern=r"^[A-Za-z]{2}$", examples=["JP"])
    licence_number: str | None = Field(None, max_length=50)
    q: str | None = Field(None, max_length=100, description="part of the name")
    cursor: str | None = Field(None, max_length=300)
    limit: int = Field(50, ge=1, le=200)

    def search(self) -> SenderSearch:
        return SenderSearch(
            kind=self.kind,
            statuses=tuple(self.status),
            market=self.market.upper() if self.market else None,
            licence_number=self.licence_number,
            text=self.q,
            cursor=self.cursor,
            limit=self.limit,
        )


class SenderList(BaseModel):
    items: list[SenderSummary]
    next_cursor: str | None

    @classmethod
    def of(cls, page: SenderPage) -> SenderList:
        return cls(items=page.items, next_cursor=page.next_cursor)


command_route(
    senders_router,
    "",
    domain.RegisterSendingOrganisation,
    lambda app: app.senders.register,
    app=App,
    location=lambda result: f"/v1/sending-organisations/{result.body['id']}",
    name="register_sending_organisation",
    response_model=SenderAnswer,
    summary="Enter a licensed sending enterprise or a public employment service centre",
    description="Department officers and admins. A licence number is in the register once "
    "(409 otherwise).",
    responses={409: COMMAND_RESPONSES[409]},
)

_COMMANDS: tuple[tuple[type[domain.SenderCommand], str, str, str], ...] = (
    (
        domain.UpdateSendingOrganisation,
        "PATCH",
        "update_sending_organisation",
        "Change the name, licence status and dates, or markets (send only what changes)",
    ),
    (
        domain.SuspendSendingOrganisation,
        "POST",
        "suspend_sending_organisation",
        "Record the licence's suspension (Law 69/2020/QH14 art. 11)",
    ),
    (
        domain.RecordComplaint,
        "POST",
        "record_broker_complaint",
        "Record a complaint about the organisation's recruitment (no personal data: the "
        "complainant stays in the commune's file); counts towards `suspicious_recruitment`",
    ),
)


def _add_commands() -> None:
    for command, method, name, summary in _COMMANDS:
        update = command is domain.UpdateSendingOrganisation
        command_route(
            senders_router,
            "/{organisation_id}" if update else f"/{{organisation_id}}/{command.command_name}",
            command,
            lambda app: app.senders.execute,
            app=App,
            name=name,
            method=method,
            response_model=SenderAnswer,
            summary=summary,
            responses=COMMAND_RESPONSES,
        )


_add_commands()


@senders_router.get(
    "",
    response_model=SenderList,
    summary="List the register of sending organisations",
    description="By name, filtered by kind, licence status (repeat), market and licence "
    "number; `q` matches part of the name. Pages follow `next_cursor`.",
    responses={403: PROBLEM_RESPONSES[403]},
)
async def list_senders(
    filters: Annotated[SenderFilters, Query()], ctx: Context, app: App
) -> SenderList:
    return SenderList.of(await app.senders.search(filters.search(), ctx.principal))


@senders_router.get(
    "/{organisation_id}",
    response_model=SenderView,
    responses={404: COMMAND_RESPONSES[404]},
    summary="A sending organisation: licence, markets, suspension, complaints",
)
async def get_sender(organisation_id: UUID, ctx: Context, app: App) -> JSONResponse:
    state = await app.senders.get(organisation_id, ctx.principal)
    return current(SenderView.model_validate(state), state.version)


@senders_router.get(
    "/{organisation_id}/history",
    response_model=LoanHistory,
    responses={404: COMMAND_RESPONSES[404]},
    summary="The organisation's events, oldest first (who changed what, and when)",
)
async def sender_history(
    organisation_id: UUID, window: HistoryWindow, ctx: Context, app: App
) -> LoanHistory:
    page, next_cursor = window.page(await app.senders.history(organisation_id, ctx.principal))
    return LoanHistory.of(organisation_id, page, next_cursor)


def sender_imports(request: Request) -> SenderImports:
    imports: SenderImports = request.app.state.registry.sender_imports
    return imports


sender_imports_router = imports_router(
    "sending-organisations",
    sender_imports,
    summary="Import the ministry's list of licensed sending enterprises (CSV or XLSX)",
    description="Rows in the template's columns (`GET /v1/imports/sending-organisations/"
    "template.xlsx`): a licence number not in the register is registered, one already there "
    "updated with what the list says; rows that change nothing are skipped, so importing the "
    "same list again records nothing. Department officers and admins.",
    template_summary="The blank template of the list of sending enterprises",
    report_file="loi_nhap_doanh_nghiep.xlsx",
    max_bytes=4 * 1024 * 1024,
    endpoint_names=("import_sending_organisations", "sending_organisation_template"),
)
