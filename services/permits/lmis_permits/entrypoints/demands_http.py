"""The demand approvals' routes: read a demand, decide it, and offer its position to Vietnamese
workers first (Decree 70/2023: `domain/vietnamese_first.py`). A demand is submitted under its
employer (`http.py`); every command here runs through `Demands.handle`.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from lmis_permits.bootstrap import Permits
from lmis_permits.domain.demands import ApproveDemand, RejectDemand
from lmis_permits.domain.vietnamese_first import RecordAnnouncement, RecordHire, ReferCandidate
from lmis_permits.entrypoints import views
from lmis_shared.web import Context
from lmis_shared.web.commands import command_route, current

_IDEMPOTENT = " Send an `Idempotency-Key` header to make retries safe."
_IF_MATCH = " Send `If-Match` with the version you read: a stale one is refused with 412."

router = APIRouter(prefix="/v1/demands", tags=["demand approvals"])


def _permits(request: Request) -> Permits:
    found: Permits = request.app.state.permits
    return found


App = Annotated[Permits, Depends(_permits)]


# --- demand approvals -----------------------------------------------------------------------


@router.get("/{demand_id}", response_model=views.DemandDetailView, summary="A demand approval")
async def get_demand(demand_id: UUID, ctx: Context, app: App) -> JSONResponse:
    demand = await app.demands.get(demand_id, ctx.principal)
    return current(views.DemandDetailView.of(demand), demand.version)


# (command, endpoint name, summary, description) of each decision on a demand
_DECISIONS: tuple[tuple[type[BaseModel], str, str, str], ...] = (
    (
        ApproveDemand,
        "approve_demand",
        "Approve a demand, for up to the number requested",
        "The approved number caps how many foreigners the employer may engage in the "
        "position during the demand's period.",
    ),
    (RejectDemand, "reject_demand", "Reject a demand, with the reason", ""),
    (
        RecordAnnouncement,
        "record-announcement",
        "Record the position's announcement for Vietnamese workers",
        "Date, portal (the ministry's or a provincial employment service centre's), posting "
        "reference, and the position's VSCO occupation code and sector (for matching "
        "returnees). Decree 70/2023: an approval needs it at least 15 days (a setting) "
        "before the demand was explained.",
    ),
    (
        ReferCandidate,
        "refer-candidate",
        "Refer a returnee to the employer for the position",
        "The returnee's registry file id, as `GET /v1/demands/{id}/candidates` on the "
        "reporting service lists it.",
    ),
    (
        RecordHire,
        "record-hire",
        "Record that a Vietnamese worker took the position",
        "A returnee (registry file id) or another job seeker (no id); each hire lowers how "
        "many foreigners can be approved.",
    ),
)
for _model, _name, _summary, _description in _DECISIONS:
    command_route(
        router,
        f"/{{demand_id}}/{_name.removesuffix('_demand')}",  # approve, ..., record-hire
        _model,
        lambda app: app.demands.handle,
        app=App,
        name=_name.replace("-", "_"),
        response_model=views.Changed,
        summary=_summary,
        description=_description + _IF_MATCH + _IDEMPOTENT,
    )
