"""`GET /v1/overstay-risk`: communes and destinations ranked by overstay rate and by workers
whose contracts end soon, on the service's date (`application/overstay_risk.py`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from lmis_reporting.application.overstay_risk import MAX_HORIZON_DAYS, OverstayRiskView
from lmis_reporting.domain.overstay_risk import RankBy, RiskRow
from lmis_reporting.entrypoints.http_deps import App, Caller, HierarchyQuery

router = APIRouter(prefix="/v1")


class RiskRowOut(BaseModel):
    key: str = Field(description="a unit code, or an ISO 3166 country code ('' unknown)")
    abroad: int
    overstaying: int
    overstay_rate: float | None = Field(description="overstaying / abroad; null: none abroad")
    ending_soon: int = Field(description="abroad, in good standing, contract ending soon")

    @classmethod
    def of(cls, row: RiskRow) -> RiskRowOut:
        rate = None if row.overstay_rate is None else round(row.overstay_rate, 4)
        return cls(
            key=row.key,
            abroad=row.abroad,
            overstaying=row.overstaying,
            overstay_rate=rate,
            ending_soon=row.ending_soon,
        )


class OverstayRiskOut(BaseModel):
    unit: str
    unit_name: str
    hierarchy: str
    as_of: date
    within_days: int
    communes: list[RiskRowOut]
    destinations: list[RiskRowOut]

    @classmethod
    def of(cls, view: OverstayRiskView) -> OverstayRiskOut:
        return cls(
            unit=view.unit.code,
            unit_name=view.unit.name,
            hierarchy=view.unit.hierarchy,
            as_of=view.as_of,
            within_days=view.horizon_days,
            communes=[RiskRowOut.of(r) for r in view.communes],
            destinations=[RiskRowOut.of(r) for r in view.destinations],
        )


@router.get(
    "/overstay-risk",
    summary="Where overstays are likely next: communes and destinations ranked",
    description="Per unit directly under `unit` and per destination, today: workers abroad, "
    "overstaying, the overstay rate, and workers whose contract ends within `within_days`; "
    "ranked by `by` (overstay_rate or ending_soon), then by the other.",
)
async def overstay_risk(
    caller: Caller,
    app: App,
    unit: Annotated[str, Query(description="unit code, e.g. 12")],
    hierarchy: HierarchyQuery = "current",
    within_days: Annotated[int, Query(ge=1, le=MAX_HORIZON_DAYS)] = 90,
    by: RankBy = "overstay_rate",
) -> OverstayRiskOut:
    view = await app.overstay_risk.view(caller, unit, hierarchy, within_days, by)
    return OverstayRiskOut.of(view)
