"""The notify service's HTTP API: alerts, and a minimal report submission.

    GET  /v1/alerts?status=open|acknowledged|resolved&rule=…&unit=…&limit=…&cursor=…
    POST /v1/alerts/{id}/acknowledge                  records who saw it and when (once)
    POST /v1/reports/{kind}/{unit}/{period}/submit    resolves report_due / report_late

Routes translate between the wire and `Notify`'s use cases, nothing more; who may see which
alert is decided in `application/alerts.py` with the grants of `application/access.py`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel

from lmis_notify.application.alerts import AlertPage
from lmis_notify.bootstrap import Notify, bootstrap_postgres, migrate
from lmis_notify.domain.model import Alert, AlertStatus
from lmis_notify.settings import NotifySettings
from lmis_shared.auth import Authenticator, Authorizer, authenticator_from_settings
from lmis_shared.clock import Clock
from lmis_shared.contracts.notify import AlertRule, ReportRef, SubjectKind
from lmis_shared.errors import InvalidInput
from lmis_shared.eventstore import create_pool
from lmis_shared.settings import CommonSettings
from lmis_shared.web import PROBLEM_RESPONSES, RequestContext, create_app, request_context
from lmis_shared.web.readiness import broker_check, database_check

VERSION = "0.2.0"
UNIT_PATTERN = r"^\d{2}(\d{3})?$"

router = APIRouter(prefix="/v1")


def notify(request: Request) -> Notify:
    service: Notify = request.app.state.notify
    return service


App = Annotated[Notify, Depends(notify)]
Context = Annotated[RequestContext, Depends(request_context)]


class AlertOut(BaseModel):
    id: UUID
    rule: AlertRule
    subject: UUID
    """The worker file, foreign worker file, loan or report the alert is about."""
    subject_kind: SubjectKind
    unit_code: str | None
    province_code: str | None
    due_on: date
    raised_at: datetime
    status: AlertStatus
    resolved_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    report: ReportRef | None

    @classmethod
    def of(cls, a: Alert) -> AlertOut:
        return cls(
            id=a.id,
            rule=a.rule,
            subject=a.subject_id,
            subject_kind=a.subject_kind,
            unit_code=a.unit_code,
            province_code=a.province_code,
            due_on=a.due_on,
            raised_at=a.raised_at,
            status=a.status,
            resolved_at=a.resolved_at,
            acknowledged_by=a.acknowledged_by,
            acknowledged_at=a.acknowledged_at,
            report=a.report,
        )


class AlertList(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None
    """Pass as `cursor` for the next page; null on the last one."""

    @classmethod
    def of(cls, page: AlertPage) -> AlertList:
        cursor = _cursor(page.next_after) if page.next_after else None
        return cls(items=[AlertOut.of(a) for a in page.items], next_cursor=cursor)


class SubmissionOut(BaseModel):
    report_id: UUID
    report: ReportRef
    submitted_on: date
    submitted_by: str


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
        after=_after(cursor) if cursor else None,
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
async def acknowledge(alert_id: UUID, ctx: Context, app: App) -> AlertOut:
    alert = await app.alerts.acknowledge(
        alert_id, ctx.principal, ctx.correlation_id, ctx.traceparent
    )
    return AlertOut.of(alert)


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
    done = await app.reports.submit(
        kind, unit, period, ctx.principal, ctx.correlation_id, ctx.traceparent
    )
    body = SubmissionOut(
        report_id=done.report_id,
        report=done.submitted.report,
        submitted_on=done.submitted.submitted_on,
        submitted_by=done.submitted.submitted_by,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=201 if done.created else 200)


def _cursor(after: tuple[datetime, UUID]) -> str:
    raised_at, alert_id = after
    return base64.urlsafe_b64encode(f"{raised_at.isoformat()}|{alert_id}".encode()).decode()


def _after(cursor: str) -> tuple[datetime, UUID]:
    try:
        raised_at, _, alert_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(raised_at), UUID(alert_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("query.cursor", "not a cursor this API returned") from None


def create_app_with(
    common: CommonSettings,
    own: NotifySettings,
    *,
    clock: Clock | None = None,
    authenticator: Authenticator | None = None,
    authorizer: Authorizer | None = None,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """The notify API; `clock` defaults to the settings' (a fixed one under `LMIS_NOTIFY_AS_OF`)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await create_pool(common.database_url)
        try:
            await migrate(pool, own.schema_name)  # idempotent: the API may start first
            app.state.readiness_checks["database"] = database_check(pool)
            app.state.notify = bootstrap_postgres(
                pool, own.schema_name, clock or own.clock(), authorizer
            )
            yield
        finally:
            await pool.close()

    return create_app(
        service="notify",
        settings=common,
        routers=[router],
        readiness_checks={"broker": broker_check(common.kafka_bootstrap)},
        authenticator=authenticator or authenticator_from_settings(common),
        version=VERSION,
        lifespan=lifespan,
        description="Alerts (cảnh báo) and agency subscriptions: permits expiring, overdue "
        "returns, absconded workers, overdue loans, statutory reports due or late.",
        tracer_provider=tracer_provider,
    )


def create_app_from_env() -> FastAPI:
    return create_app_with(CommonSettings(), NotifySettings())
