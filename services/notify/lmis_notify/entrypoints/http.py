"""The notify service's HTTP API: alerts.

    GET  /v1/alerts?status=open|acknowledged|resolved&rule=…&commune=…&province=…&subject=…
                    &limit=…&cursor=…&format=xlsx       (`unit` too: commune or province)
    POST /v1/alerts/{id}/acknowledge                  records who saw it and when (once)
    GET  /v1/feeds, PUT /v1/feeds/{feed}, GET /v1/feeds/{feed}/events   (`feeds_http.py`)
    /v1/subscriptions...                              webhooks (`webhooks_http.py`)
    GET  /v1/audit/access                             the access record (admin)

Statutory reports are filed with the reporting service (`POST /v1/reports/{kind}/{unit}/
{period}/filings`, the one owner of filing); the processor reads those filings and resolves
the reports' `report_due` and `report_late` alerts.

Routes translate between the wire and `Notify`'s use cases, nothing more; who may see which
alert is decided in `application/alerts.py` with the grants of `application/access.py`.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from lmis_notify.application.alerts import MAX_PAGE, AlertPage
from lmis_notify.bootstrap import Notify, bootstrap
from lmis_notify.domain.alerts import Alert, AlertStatus
from lmis_notify.entrypoints.feeds_http import router as feeds_router
from lmis_notify.entrypoints.problems import problem_mapping
from lmis_notify.entrypoints.views import (
    COLUMNS,
    AlertList,
    AlertOut,
    after,
    alert_body,
    cursor_of,
)
from lmis_notify.entrypoints.webhooks_http import router as webhooks_router
from lmis_notify.settings import NotifySettings
from lmis_shared.access.web import access_router, install_access_log
from lmis_shared.clock import Clock
from lmis_shared.contracts.notify import AlertRule
from lmis_shared.settings import CommonSettings
from lmis_shared.web import PROBLEM_RESPONSES, Context
from lmis_shared.web.service import service_app
from lmis_shared.web.xlsx import XLSX, Format, Sheet, every_row, wants_xlsx, xlsx_response

VERSION = "0.2.0"
UNIT_PATTERN = r"^\d{2}(\d{3})?$"

router = APIRouter(prefix="/v1")


def notify(request: Request) -> Notify:
    service: Notify = request.app.state.notify
    return service


App = Annotated[Notify, Depends(notify)]


@router.get(
    "/alerts",
    response_model=AlertList,
    tags=["alerts"],
    summary="List alerts (cảnh báo)",
    description="The alerts the caller may see, newest first: a commune officer its commune's, "
    "the bank loan alerts, the police permit alerts, foreign affairs absconded and overdue "
    "returns (403 when `rule` names one the role may not read). One problem has one open "
    "alert: `missed` says how many of its deadlines passed (a loan: instalments missed) and "
    "`amount_vnd` a loan's amount overdue. `commune` / `province` (or `unit`, either) and "
    "`subject` (a loan's or file's id) narrow it as the other lists do; `?format=xlsx` (or "
    "`Accept: " + XLSX + "`) answers an Excel workbook of every matching alert.",
    responses={200: {"content": {XLSX: {}}, "description": "the page, or the workbook"}},
    openapi_extra={
        "x-examples": [
            "/v1/alerts?status=open&rule=loan_overdue&commune=03637",
            "/v1/alerts?subject=5d0c1e7a-3b2f-4a8e-9c61-2f4e8d7b9a10",
            "/v1/alerts?status=open&province=12&format=xlsx",
        ]
    },
)
async def list_alerts(
    request: Request,
    ctx: Context,
    app: App,
    status: AlertStatus | None = None,
    rule: AlertRule | None = None,
    commune: Annotated[str | None, Query(pattern=r"^\d{5}$", examples=["03637"])] = None,
    province: Annotated[str | None, Query(pattern=r"^\d{2}$", examples=["12"])] = None,
    unit: Annotated[str | None, Query(pattern=UNIT_PATTERN)] = None,
    subject: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
    format: Format | None = None,
) -> Response:
    where = commune or province or unit

    async def page(at: str | None, size: int = limit) -> AlertPage:
        return await app.alerts.list(
            ctx.principal,
            status=status,
            rule=rule,
            unit=where,
            limit=size,
            after=after(at) if at else None,
            subject=subject,
        )

    if wants_xlsx(request, format):

        async def rows(at: str | None) -> tuple[list[Alert], str | None]:
            found = await page(at, MAX_PAGE)
            return found.items, cursor_of(found.next_after) if found.next_after else None

        given = {"status": status, "rule": rule, "commune": commune, "province": province}
        shown = {k: v for k, v in {**given, "unit": unit, "subject": subject}.items() if v}
        sheet = Sheet("Danh sách cảnh báo", "canh-bao", shown, app.alerts.now())
        workbook, _ = await xlsx_response(sheet, COLUMNS, every_row(rows))
        return workbook  # alerts name streams, never a person: no access record to keep
    return JSONResponse(AlertList.of(await page(cursor)).model_dump(mode="json"))


@router.post(
    "/alerts/{alert_id}/acknowledge",
    response_model=AlertOut,
    tags=["alerts"],
    summary="Acknowledge an alert",
    description="Records who saw the alert and when; acknowledging again changes nothing. The "
    "alert stays until the event that fixes the problem resolves it.",
    responses={404: {**PROBLEM_RESPONSES[403], "description": "no such alert for the caller"}},
)
async def acknowledge(alert_id: UUID, ctx: Context, app: App) -> JSONResponse:
    done = await app.alerts.acknowledge(alert_id, ctx, alert_body)
    return JSONResponse(done.body, status_code=done.status_code)


def create_app(
    common: CommonSettings | None = None,
    settings: NotifySettings | None = None,
    *,
    clock: Clock | None = None,
) -> FastAPI:
    """The notify API; with no arguments, from the environment (the uvicorn factory).
    `clock` defaults to the settings' (a fixed one under `LMIS_NOTIFY_AS_OF`)."""
    common = common or CommonSettings()
    own = settings or NotifySettings()

    def build(app: FastAPI, pool: asyncpg.Pool) -> None:
        app.state.notify = bootstrap(pool, own, common, clock=clock)
        install_access_log(app, pool, own.schema_name)  # what each agency pulled

    return service_app(
        service="notify",
        common=common,
        routers=[router, feeds_router, webhooks_router, access_router],
        version=VERSION,
        description="Alerts (cảnh báo) and agency subscriptions: permits expiring, overdue "
        "returns, absconded workers, overdue loans, statutory reports due or late.",
        on_pool=build,
        problems=problem_mapping(),
        event_store_schema=own.schema_name,
    )
