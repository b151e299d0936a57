"""Jobs created through programmes other than job-creation loans (`/v1/job-creation-reports`):
routes translate between the wire and `JobCreationReports`, nothing more.

A commune's monthly count per programme; the same commune, month and programme again is a
correction (200, the event says by how much the count changed). Counts only: no personal
data, so nothing here is in the access record.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from lmis_registry.application.job_reports import report_body
from lmis_registry.domain.job_reports import JobCreationReport, ReportJobCreation
from lmis_registry.entrypoints.dependencies import App
from lmis_shared.contracts.registry_jobs import JobCreationProgramme
from lmis_shared.web import Context
from lmis_shared.web.commands import command_responses, command_route, current

job_reports_router = APIRouter(prefix="/v1/job-creation-reports", tags=["jobs created"])
RESPONSES = command_responses(
    "no such report", "reported by someone else meanwhile (send the request again)"
)


class JobCreationReportView(BaseModel):
    id: UUID
    version: int
    commune_code: str
    period: str
    """The month, YYYY-MM."""
    programme: JobCreationProgramme
    jobs: int
    reported_on: date
    reference: str | None
    corrections: int


command_route(
    job_reports_router,
    "",
    ReportJobCreation,
    lambda app: app.job_reports.report,
    app=App,
    location=lambda result: f"/v1/job-creation-reports/{result.body['id']}",
    name="report_job_creation",
    response_model=JobCreationReportView,
    summary="Report the jobs a commune created in a month through one programme",
    description="Job fairs, the employment service centre, labour supply, vocational "
    "training, household economy: the programmes besides job-creation loans (counted from "
    "the loans) and departures (counted from the files), which the `jobs_created` and "
    "`jobs_created_at_home` indicators add up. Commune officers for their commune, province "
    "officers for their province's communes. 201 for the first report of the commune, month "
    "and programme; 200 when it corrects an earlier one (If-Match takes its ETag).",
    responses={
        200: {"model": JobCreationReportView, "description": "an earlier report corrected"},
        409: RESPONSES[409],
        412: RESPONSES[412],
    },
)


@job_reports_router.get(
    "/{report_id}",
    response_model=JobCreationReportView,
    responses={404: RESPONSES[404]},
    summary="A commune's report of jobs created through a programme in a month",
)
async def get_job_creation_report(report_id: UUID, ctx: Context, app: App) -> JSONResponse:
    return _shown(await app.job_reports.get(report_id, ctx.principal))


def _shown(state: JobCreationReport) -> JSONResponse:
    return current(JobCreationReportView.model_validate(report_body(state)), state.version)
