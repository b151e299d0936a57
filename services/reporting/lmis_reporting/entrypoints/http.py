"""The reporting service's HTTP API: administrative units, indicator values and targets; and
the officials' dashboard beside it (`install_dashboard`: `pages.py`, `signin.py`).

Routes translate parameters into calls of the application (`ReportingQueries`,
`TargetCommands`) and its answers into JSON (`views.py`); authorisation and every rule live
behind those calls. Errors become problem details (`problems.py`) naming the parameter.

`GET /v1/indicators/{code}` answers a flow for a `period` and a stock on a date (`as_of`,
default today by the service's clock, or the period's last day if that came first), with the
target of the period's year (pro-rated by months for a flow asked by month or quarter; a
target over several years compared with the value over those years, for its last year only)
and `progress` = value / target.

    GET /v1/targets?unit=12&year=2025&hierarchy=current
    PUT /v1/targets/{indicator}/{unit}/{year}?hierarchy=current
        {"value": 450, "comparison": "at_least", "first_year": 2023, "source": "Kế hoạch …"}

Setting a target to what it already says changes nothing and records nothing; a change is
an event `lmis.reporting.target.set.v1` whose actor is the caller. The answer carries the
target's version in `ETag`: send it back as `If-Match` to be refused (412) rather than
overwrite a change you have not seen; send an `Idempotency-Key` to make retries safe.
"""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import APIRouter, FastAPI, Path, Query, Response

from lmis_reporting.bootstrap import bootstrap
from lmis_reporting.domain.targets import SetTarget
from lmis_reporting.entrypoints import candidates_http, early_warning_http, report_routes
from lmis_reporting.entrypoints.http_deps import App, AsOfQuery, Caller, HierarchyQuery
from lmis_reporting.entrypoints.pages import pages, static_files
from lmis_reporting.entrypoints.problems import problem_mapping
from lmis_reporting.entrypoints.sessions import install_sessions
from lmis_reporting.entrypoints.signin import install_signin
from lmis_reporting.entrypoints.views import (
    IndicatorList,
    IndicatorOut,
    IndicatorValueOut,
    TargetIn,
    TargetList,
    TargetOut,
    UnitDetailOut,
    UnitList,
    UnitOut,
)
from lmis_reporting.settings import ReportingSettings
from lmis_shared.clock import Clock
from lmis_shared.settings import CommonSettings
from lmis_shared.web import Context, etag
from lmis_shared.web.service import service_app

VERSION = "0.1.0"

router = APIRouter(prefix="/v1")


@router.get("/units", summary="Administrative units under a parent (provinces without one)")
async def list_units(
    caller: Caller,
    app: App,
    parent: Annotated[str | None, Query(description="code of the parent unit")] = None,
    hierarchy: HierarchyQuery = "current",
) -> UnitList:
    units = await app.queries.list_units(caller, hierarchy, parent)
    return UnitList(items=[UnitOut.of(u) for u in units])


@router.get("/units/{code}", summary="One administrative unit and the units above it")
async def get_unit(
    caller: Caller,
    app: App,
    code: Annotated[str, Path(description="unit code, e.g. 12 or 03637")],
    hierarchy: HierarchyQuery = "current",
) -> UnitDetailOut:
    detail = await app.queries.unit(caller, hierarchy, code)
    unit = detail.unit
    return UnitDetailOut(
        **UnitOut.of(unit).model_dump(),
        hierarchy=unit.hierarchy,
        ancestors=[UnitOut.of(a) for a in detail.ancestors],
    )


@router.get("/indicators", summary="The catalogue of indicators")
async def list_indicators(app: App) -> IndicatorList:
    return IndicatorList(items=[IndicatorOut.of(d) for d in app.queries.catalogue()])


@router.get("/indicators/{code}", summary="An indicator's value for a unit, period or date")
async def indicator_value(
    caller: Caller,
    app: App,
    code: Annotated[str, Path(description="indicator code, e.g. departed")],
    unit: Annotated[str, Query(description="unit code; the value sums every commune under it")],
    period: Annotated[
        str | None,
        Query(description="2026-11 (month), 2026-Q4 (quarter) or 2026; needed for a flow"),
    ] = None,
    hierarchy: HierarchyQuery = "current",
    by: Annotated[
        str | None, Query(description="a dimension of the indicator, or `unit`: a breakdown")
    ] = None,
    as_of: AsOfQuery = None,
) -> IndicatorValueOut:
    found = await app.queries.as_of(as_of).indicator_value(
        caller, code, period, unit, hierarchy, by=by
    )
    return IndicatorValueOut.of(found)


@router.get("/targets", summary="A unit's targets and baselines")
async def list_targets(
    ctx: Context,
    app: App,
    unit: Annotated[str, Query(description="unit code")],
    year: Annotated[int | None, Query(description="only this year")] = None,
    hierarchy: HierarchyQuery = "current",
) -> TargetList:
    found = await app.targets.list_targets(ctx.principal, hierarchy, unit, year)
    return TargetList(items=[TargetOut.of(t) for t in found])


@router.put("/targets/{indicator}/{unit}/{year}", summary="Set a target (recorded as an event)")
async def set_target(
    ctx: Context,
    app: App,
    response: Response,
    indicator: Annotated[str, Path(description="indicator code, e.g. departed")],
    unit: Annotated[str, Path(description="unit code, e.g. 12")],
    year: Annotated[int, Path(description="the (last) year the target covers")],
    body: TargetIn,
    hierarchy: HierarchyQuery = "current",
) -> TargetOut:
    command = SetTarget(
        indicator=indicator,
        hierarchy=hierarchy,
        unit_code=unit,
        year=year,
        value=body.value,
        source=body.source,
        comparison=body.comparison,
        first_year=body.first_year,
    )
    result = await app.targets.set_target(ctx, command)
    # 200 whether or not the target existed: a PUT sets it either way
    response.headers["ETag"] = etag(result.version)
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return TargetOut.model_validate(result.body)


def create_app(
    common: CommonSettings | None = None,
    settings: ReportingSettings | None = None,
    *,
    clock: Clock | None = None,
) -> FastAPI:
    """The reporting API (a uvicorn factory: with no arguments, everything from the env).

    `clock` dates the stock indicators and the targets set (default: the system's).
    """
    common = common or CommonSettings()
    own = settings or ReportingSettings()

    def build(app: FastAPI, pool: asyncpg.Pool) -> None:
        app.state.reporting = bootstrap(pool, own, common, clock=clock)

    app = service_app(
        service="reporting",
        common=common,
        routers=[
            router,
            report_routes.router,
            candidates_http.router,
            early_warning_http.router,
        ],
        version=VERSION,
        description="LMIS reporting service. Errors are RFC 9457 problems.",
        on_pool=build,
        problems=problem_mapping(),
        event_store_schema=own.schema_name,
    )
    install_dashboard(app, common, own)
    return app


def install_dashboard(app: FastAPI, common: CommonSettings, own: ReportingSettings) -> None:
    """The officials' pages beside the API: they stand behind a session, not a bearer token
    (`pages.py`, `signin.py`)."""
    app.state.reporting_settings = own
    secret = own.session_secret.get_secret_value() if own.session_secret else ""
    install_sessions(app, secret or None)  # an empty value (compose's default) is none
    install_signin(app, common, own)
    app.include_router(pages)
    app.mount("/static", static_files, name="static")
