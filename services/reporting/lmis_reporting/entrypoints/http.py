"""The reporting service's HTTP API: administrative units, indicator values and targets.

Routes translate parameters into calls of the application (`ReportingQueries`,
`TargetCommands`) and its answers into JSON; authorisation and every rule live behind those
calls. Errors become problem details here, in `problems()`, naming the parameter
(`query.period`, `query.unit`, `query.by`, `path.code`, `body.value`, ...).

`GET /v1/indicators/{code}` answers a flow for a `period` and a stock on a date (`as_of`,
default today by the service's clock, or the period's last day if that came first), with the
target of the period's year (pro-rated by months for a flow asked by month or quarter; a
target over several years compared with the value over those years, for its last year only)
and `progress` = value / target.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel

from lmis_reporting.application.queries import IndicatorValue, ReportingQueries, TargetView
from lmis_reporting.bootstrap import bootstrap_postgres, migrate
from lmis_reporting.domain.catalogue import Kind
from lmis_reporting.domain.errors import (
    InvalidPeriod,
    InvalidTarget,
    UnitNotFound,
    UnknownDimension,
    UnknownIndicator,
)
from lmis_reporting.domain.units import Hierarchy, Level, Unit
from lmis_reporting.entrypoints import targets_http
from lmis_reporting.settings import ReportingSettings
from lmis_shared.auth import Authenticator, Principal, authenticator_from_settings
from lmis_shared.clock import Clock
from lmis_shared.contracts.reporting import TargetComparison
from lmis_shared.eventstore import create_pool
from lmis_shared.settings import CommonSettings
from lmis_shared.web import ProblemMapping, current_principal
from lmis_shared.web import create_app as create_service_app

VERSION = "0.1.0"

router = APIRouter(prefix="/v1")

CallerDep = Annotated[Principal, Depends(current_principal)]
HierarchyQuery = Annotated[
    Hierarchy,
    Query(description="`current` (since 2025-07-01: province → commune) or `legacy`"),
]


def queries(request: Request) -> ReportingQueries:
    reporting: ReportingQueries = request.app.state.reporting.queries
    return reporting


QueriesDep = Annotated[ReportingQueries, Depends(queries)]


class UnitOut(BaseModel):
    code: str
    name: str
    level: Level
    parent: str | None

    @classmethod
    def of(cls, unit: Unit) -> UnitOut:
        return cls(code=unit.code, name=unit.name, level=unit.level, parent=unit.parent_code)


class UnitList(BaseModel):
    items: list[UnitOut]


class UnitDetailOut(UnitOut):
    hierarchy: Hierarchy
    ancestors: list[UnitOut]
    """From the province down to the parent."""


class IndicatorOut(BaseModel):
    code: str
    kind: Kind
    """`flow`: summed over a period; `stock`: counted on a date (`as_of`)."""
    unit_of_measure: str
    definition_en: str
    definition_vi: str
    dimensions: list[str]
    """What `by` may name."""


class IndicatorList(BaseModel):
    items: list[IndicatorOut]


class TargetDetailOut(BaseModel):
    basis: str
    """`year`; `pro_rated` (a yearly flow target scaled to a month or quarter); `span` (a
    target over several years, compared with the value over all of them)."""
    first_year: int
    last_year: int
    comparison: TargetComparison
    compared_value: int | float | None
    """The value the target was compared with (over the span, for `span`)."""
    met: bool | None
    source: str
    set_by: str

    @classmethod
    def of(cls, view: TargetView) -> TargetDetailOut:
        target = view.applied.target
        return cls(
            basis=view.applied.basis,
            first_year=target.first_year,
            last_year=target.year,
            comparison=target.comparison,
            compared_value=view.compared_value,
            met=view.met,
            source=target.source,
            set_by=target.set_by,
        )


class IndicatorValueOut(BaseModel):
    indicator: str
    kind: Kind
    unit_of_measure: str
    hierarchy: Hierarchy
    unit: str
    unit_name: str
    period: str | None
    period_start: date | None
    period_end: date | None
    as_of: date | None
    """The date a stock was counted on (null for a flow)."""
    value: int | float | None
    """Null for a ratio whose denominator is zero."""
    target: float | None
    progress: float | None
    """`value / target`; null without a target."""
    target_detail: TargetDetailOut | None
    by: str | None
    breakdown: dict[str, int | float | None] | None
    """With `by`: the value per value of the dimension (for a ratio, the ratio in each)."""

    @classmethod
    def of(cls, found: IndicatorValue) -> IndicatorValueOut:
        view, period = found.target, found.period
        return cls(
            indicator=found.indicator.code,
            kind=found.indicator.kind,
            unit_of_measure=found.indicator.unit_of_measure,
            hierarchy=found.unit.hierarchy,
            unit=found.unit.code,
            unit_name=found.unit.name,
            period=period.label if period else None,
            period_start=period.start if period else None,
            period_end=period.end if period else None,
            as_of=found.as_of,
            value=found.value,
            target=view.applied.value if view else None,
            progress=view.progress if view else None,
            target_detail=TargetDetailOut.of(view) if view else None,
            by=found.by,
            breakdown=dict(found.breakdown) if found.breakdown is not None else None,
        )


@router.get("/units", summary="Administrative units under a parent (provinces without one)")
async def list_units(
    caller: CallerDep,
    reporting: QueriesDep,
    parent: Annotated[str | None, Query(description="code of the parent unit")] = None,
    hierarchy: HierarchyQuery = "current",
) -> UnitList:
    units = await reporting.list_units(caller, hierarchy, parent)
    return UnitList(items=[UnitOut.of(u) for u in units])


@router.get("/units/{code}", summary="One administrative unit and the units above it")
async def get_unit(
    caller: CallerDep,
    reporting: QueriesDep,
    code: Annotated[str, Path(description="unit code, e.g. 12 or 03637")],
    hierarchy: HierarchyQuery = "current",
) -> UnitDetailOut:
    detail = await reporting.unit(caller, hierarchy, code)
    unit = detail.unit
    return UnitDetailOut(
        **UnitOut.of(unit).model_dump(),
        hierarchy=unit.hierarchy,
        ancestors=[UnitOut.of(a) for a in detail.ancestors],
    )


@router.get("/indicators", summary="The catalogue of indicators")
async def list_indicators(reporting: QueriesDep) -> IndicatorList:
    items = [
        IndicatorOut(
            code=d.code,
            kind=d.kind,
            unit_of_measure=d.unit_of_measure,
            definition_en=d.definition_en,
            definition_vi=d.definition_vi,
            dimensions=list(d.dimensions),
        )
        for d in reporting.catalogue()
    ]
    return IndicatorList(items=items)


@router.get("/indicators/{code}", summary="An indicator's value for a unit, period or date")
async def indicator_value(
    caller: CallerDep,
    reporting: QueriesDep,
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
    as_of: Annotated[
        date | None, Query(description="for a stock: the date to count on (default today)")
    ] = None,
) -> IndicatorValueOut:
    found = await reporting.indicator_value(
        caller, code, period, unit, hierarchy, by=by, as_of=as_of
    )
    return IndicatorValueOut.of(found)


# Where each named input travels, so a problem names it as validation errors do.
_LOCATION = {
    "period": "query.period",
    "unit": "query.unit",
    "parent": "query.parent",
    "by": "query.by",
    "code": "path.code",
    "indicator": "path.indicator",
    "target_unit": "path.unit",
    "year": "path.year",
    "first_year": "body.first_year",
    "value": "body.value",
}


def _named(field: str, message: str) -> dict[str, object]:
    return {"errors": [{"field": _LOCATION[field], "message": message}]}


def problems() -> ProblemMapping:
    mapping = ProblemMapping()
    mapping.register(
        InvalidPeriod,
        status=422,
        type="validation",
        title="Invalid data",
        title_vi="Dữ liệu không hợp lệ",
        extensions=lambda e: _named(e.field, e.message),
    )
    for invalid in (UnknownDimension, InvalidTarget):
        mapping.register(
            invalid,
            status=422,
            type="validation",
            title="Invalid data",
            title_vi="Dữ liệu không hợp lệ",
            extensions=lambda e: _named(e.field, e.message),
        )
    mapping.register(
        UnitNotFound,
        status=404,
        type="unit-not-found",
        title="Administrative unit not found",
        title_vi="Không tìm thấy đơn vị hành chính",
        extensions=lambda e: _named(e.field, str(e)),
    )
    mapping.register(
        UnknownIndicator,
        status=404,
        type="indicator-not-found",
        title="Indicator not found",
        title_vi="Không tìm thấy chỉ tiêu",
        extensions=lambda e: _named(e.field, str(e)),
    )
    return mapping


def create_app(
    common: CommonSettings | None = None,
    settings: ReportingSettings | None = None,
    authenticator: Authenticator | None = None,
    tracer_provider: TracerProvider | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """The reporting API (a uvicorn factory: with no arguments, everything from the env).

    `clock` dates the stock indicators and the targets set (default: the system's).
    """
    common = common or CommonSettings()
    own = settings or ReportingSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await create_pool(common.database_url)
        try:
            await migrate(pool, own.schema_name)  # loads the units on a first start

            async def database() -> None:
                await pool.fetchval("SELECT 1")

            app.state.readiness_checks["database"] = database
            app.state.reporting = bootstrap_postgres(pool, own.schema_name, clock=clock)
            yield
        finally:
            await pool.close()

    return create_service_app(
        service="reporting",
        settings=common,
        routers=[router, targets_http.router],
        readiness_checks={},
        authenticator=authenticator or authenticator_from_settings(common),
        version=VERSION,
        lifespan=lifespan,
        problems=problems(),
        tracer_provider=tracer_provider,
    )
