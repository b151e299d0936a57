"""The reporting service's HTTP API: administrative units and indicator values.

Routes translate query parameters into calls of `ReportingQueries` and its answers into JSON;
authorisation and every rule live behind that call. Errors become problem details here, in
`problems()`, naming the parameter (`query.period`, `query.unit`, `path.code`, ...).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel

from lmis_reporting.application.queries import ReportingQueries
from lmis_reporting.bootstrap import bootstrap_postgres, migrate
from lmis_reporting.domain.errors import InvalidPeriod, UnitNotFound, UnknownIndicator
from lmis_reporting.domain.units import Hierarchy, Level, Unit
from lmis_reporting.settings import ReportingSettings
from lmis_shared.auth import Authenticator, Principal, authenticator_from_settings
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
    unit_of_measure: str
    definition_en: str
    definition_vi: str


class IndicatorList(BaseModel):
    items: list[IndicatorOut]


class IndicatorValueOut(BaseModel):
    indicator: str
    hierarchy: Hierarchy
    unit: str
    unit_name: str
    period: str
    period_start: date
    period_end: date
    value: int


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
    items = [IndicatorOut.model_validate(d, from_attributes=True) for d in reporting.catalogue()]
    return IndicatorList(items=items)


@router.get("/indicators/{code}", summary="An indicator's value for a unit and a period")
async def indicator_value(
    caller: CallerDep,
    reporting: QueriesDep,
    code: Annotated[str, Path(description="indicator code, e.g. workers_registered")],
    period: Annotated[str, Query(description="2026-11 (month), 2026-Q4 (quarter) or 2026")],
    unit: Annotated[str, Query(description="unit code; the value sums every commune under it")],
    hierarchy: HierarchyQuery = "current",
) -> IndicatorValueOut:
    found = await reporting.indicator_value(caller, code, period, unit, hierarchy)
    return IndicatorValueOut(
        indicator=found.indicator.code,
        hierarchy=found.unit.hierarchy,
        unit=found.unit.code,
        unit_name=found.unit.name,
        period=found.period.label,
        period_start=found.period.start,
        period_end=found.period.end,
        value=found.value,
    )


# Where each named input travels, so a problem names it as validation errors do.
_LOCATION = {"period": "query", "unit": "query", "parent": "query", "code": "path"}


def _named(field: str, message: str) -> dict[str, object]:
    return {"errors": [{"field": f"{_LOCATION[field]}.{field}", "message": message}]}


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
) -> FastAPI:
    """The reporting API (a uvicorn factory: with no arguments, everything from the env)."""
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
            app.state.reporting = bootstrap_postgres(pool, own.schema_name)
            yield
        finally:
            await pool.close()

    return create_service_app(
        service="reporting",
        settings=common,
        routers=[router],
        readiness_checks={},
        authenticator=authenticator or authenticator_from_settings(common),
        version=VERSION,
        lifespan=lifespan,
        problems=problems(),
        tracer_provider=tracer_provider,
    )
