"""The targets API: read a unit's targets and baselines, set one (an audited event).

    GET /v1/targets?unit=12&year=2025&hierarchy=current
    PUT /v1/targets/{indicator}/{unit}/{year}?hierarchy=current
        {"value": 450, "comparison": "at_least", "first_year": 2023, "source": "Kế hoạch …"}

Setting a target to what it already says changes nothing and records nothing; a change is
an event `lmis.reporting.target.set.v1` whose actor is the caller. Problems are mapped in
`http.problems()` with the other errors of the service.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from lmis_reporting.application.targets import Caller, SetTarget, TargetCommands
from lmis_reporting.domain.targets import Target, TargetKind
from lmis_reporting.domain.units import Hierarchy
from lmis_shared.contracts.reporting import TargetComparison
from lmis_shared.web import RequestContext, request_context

router = APIRouter(prefix="/v1")

ContextDep = Annotated[RequestContext, Depends(request_context)]
HierarchyQuery = Annotated[
    Hierarchy,
    Query(description="`current` (since 2025-07-01: province → commune) or `legacy`"),
]


def commands(request: Request) -> TargetCommands:
    found: TargetCommands = request.app.state.reporting.targets
    return found


CommandsDep = Annotated[TargetCommands, Depends(commands)]


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: float = Field(
        allow_inf_nan=False,
        description="a count, an amount in VND, or a share (0 to 1) for a ratio",
    )
    comparison: TargetComparison = TargetComparison.at_least
    first_year: int | None = Field(
        None, description="first year a total over several years covers (default: the year)"
    )
    source: str = Field(min_length=1, max_length=500, description="the plan or decision")


class TargetOut(BaseModel):
    indicator: str
    hierarchy: Hierarchy
    unit: str
    year: int
    first_year: int
    kind: TargetKind
    value: float
    comparison: TargetComparison
    source: str
    set_by: str
    """The officer id of the last change; `seed` for a target loaded with the platform."""
    set_at: datetime | None
    version: int

    @classmethod
    def of(cls, target: Target) -> TargetOut:
        return cls(
            indicator=target.indicator,
            hierarchy=target.hierarchy,
            unit=target.unit_code,
            year=target.year,
            first_year=target.first_year,
            kind=target.kind,
            value=target.value,
            comparison=target.comparison,
            source=target.source,
            set_by=target.set_by,
            set_at=target.set_at,
            version=target.version,
        )


class TargetList(BaseModel):
    items: list[TargetOut]


@router.get("/targets", summary="A unit's targets and baselines")
async def list_targets(
    ctx: ContextDep,
    targets: CommandsDep,
    unit: Annotated[str, Query(description="unit code")],
    year: Annotated[int | None, Query(description="only this year")] = None,
    hierarchy: HierarchyQuery = "current",
) -> TargetList:
    found = await targets.list_targets(ctx.principal, hierarchy, unit, year)
    return TargetList(items=[TargetOut.of(t) for t in found])


@router.put("/targets/{indicator}/{unit}/{year}", summary="Set a target (recorded as an event)")
async def set_target(
    ctx: ContextDep,
    targets: CommandsDep,
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
    caller = Caller(ctx.principal, ctx.correlation_id, ctx.traceparent)
    return TargetOut.of(await targets.set_target(caller, command))
