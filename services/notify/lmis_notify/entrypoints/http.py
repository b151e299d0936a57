"""The notify service's HTTP API: alerts, and a minimal report submission.

    GET  /v1/alerts?status=open|acknowledged|resolved&rule=…&unit=…&limit=…&cursor=…
    POST /v1/alerts/{id}/acknowledge                  records who saw it and when (once)
    POST /v1/reports/{kind}/{unit}/{period}/submit    resolves report_due / report_late

Routes translate between the wire and `Notify`'s use cases, nothing more; who may see which
alert is decided in `application/alerts.py` with the grants of `application/access.py`.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse

from lmis_notify.bootstrap import Notify, bootstrap
from lmis_notify.domain.alerts import AlertStatus
from lmis_notify.entrypoints.problems import problem_mapping
from lmis_notify.entrypoints.views import (
    AlertList,
    AlertOut,
    SubmissionOut,
    after,
    alert_body,
    submission_body,
)
from lmis_notify.settings import NotifySettings
from lmis_shared.clock import Clock
from lmis_shared.contracts.notify import AlertRule
from lmis_shared.settings import CommonSettings
from lmis_shared.web import PROBLEM_RESPONSES, Context
from lmis_shared.web.service import service_app

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
    "returns (403 when `rule` names one the role may not read).",
)
async def list_alerts(
    ctx: Context,
    app: App,
    status: AlertStatus | None = None,
    rule: AlertRule | None = None,
    unit: Annotated[str | None, Query(pattern=UNIT_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> AlertList:
    page = await app.alerts.list(
        ctx.principal,
        status=status,
        rule=rule,
        unit=unit,
        limit=limit,
        after=after(cursor) if cursor else None,
    )
    return AlertList.of(page)


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


@router.post(
    "/reports/{kind}/{unit}/{period}/submit",
    response_model=SubmissionOut,
    status_code=201,
    tags=["reports"],
    summary="Record a statutory report as submitted",
    description="`kind`: `monthly` (period `2026-03`), `yearly_agencies` or `yearly_department` "
    "(period `2026`). Resolves the report's `report_due` and `report_late` alerts. A report "
    "already submitted answers 200 with the first submission.",
)
async def submit_report(
    kind: str,
    unit: Annotated[str, Path(pattern=UNIT_PATTERN)],
    period: str,
    ctx: Context,
    app: App,
) -> JSONResponse:
    done = await app.reports.submit(kind, unit, period, ctx, submission_body)
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

    return service_app(
        service="notify",
        common=common,
        routers=[router],
        version=VERSION,
        description="Alerts (cảnh báo) and agency subscriptions: permits expiring, overdue "
        "returns, absconded workers, overdue loans, statutory reports due or late.",
        on_pool=build,
        problems=problem_mapping(),
        event_store_schema=own.schema_name,
    )
