"""`GET /v1/demands/{id}/candidates`: the returnees whose experience matches a demand for
foreign workers (`application/candidates.py`), as references the registry resolves."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from lmis_reporting.application.candidates import DemandCandidates
from lmis_reporting.domain.matching import Candidate
from lmis_reporting.entrypoints.http_deps import App, Caller

router = APIRouter(prefix="/v1")


class CandidateOut(BaseModel):
    worker_id: UUID = Field(description="the registry file: GET /v1/workers/{id} on the registry")
    worker_file: str = Field(description="the registry path of the file")
    commune_code: str
    occupation_code: str
    sector: str
    years_of_experience: int
    language: str | None
    language_level: str | None
    intention: str
    recorded_on: date
    score: float
    reasons: list[str] = Field(description="why the returnee matches, line by line")

    @classmethod
    def of(cls, c: Candidate) -> CandidateOut:
        return cls(
            worker_id=c.worker_id,
            worker_file=f"/v1/workers/{c.worker_id}",
            commune_code=c.commune_code,
            score=c.score,
            reasons=list(c.reasons),
            **c.skills.model_dump(exclude={"occupation_code"}),
            occupation_code=c.skills.occupation_code,
        )


class CandidatesOut(BaseModel):
    demand_id: UUID
    province_code: str
    occupation_code: str | None = Field(description="from the demand's announcement; null: none")
    sector: str | None
    pool: str = Field(
        "returnees",
        description="who is matched: returnees who consent to be contacted (the platform "
        "holds no other job seekers yet)",
    )
    items: list[CandidateOut]

    @classmethod
    def of(cls, found: DemandCandidates) -> CandidatesOut:
        return cls(
            demand_id=found.demand_id,
            province_code=found.demand.province_code,
            occupation_code=found.demand.occupation_code,
            sector=found.demand.sector,
            items=[CandidateOut.of(c) for c in found.candidates],
        )


@router.get(
    "/demands/{demand_id}/candidates",
    summary="Returnees whose experience matches a demand for foreign workers",
    description="Consenting returnees of the demand's province, ranked by an explainable "
    "score (occupation code, sector, years). Refer or hire through the permits service "
    "(`POST /v1/demands/{id}/refer-candidate`, `/record-hire`).",
)
async def demand_candidates(
    caller: Caller, app: App, demand_id: Annotated[UUID, Path(description="the demand's id")]
) -> CandidatesOut:
    return CandidatesOut.of(await app.candidates.for_demand(caller, demand_id))
