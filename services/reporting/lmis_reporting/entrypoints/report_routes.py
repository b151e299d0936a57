"""The report routes: statutory report documents, their filings and a period's completeness.

    GET  /v1/reports/{kind}/{unit}/{period}            JSON, XLSX or PDF (`?format=` wins over
                                                       `Accept`; JSON by default)
    POST /v1/reports/{kind}/{unit}/{period}/filings    file it: a new version, unless the
                                                       figures equal the latest one's
    GET  /v1/reports/{kind}/{unit}/{period}/filings    every version, oldest first
    GET  /v1/reports/{kind}/status?unit=12&period=2026-11   who filed, late, not filed

Kinds: `monthly` (a commune, `2026-11`), `yearly_agencies`, `yearly_department`,
`programme_review` (the province, `2026`). The document addresses are stable: the dashboard
links to them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from lmis_reporting.adapters import report_pdf, report_xlsx
from lmis_reporting.entrypoints.http_deps import App, AsOfQuery, Caller, HierarchyQuery
from lmis_reporting.entrypoints.report_views import (
    FilingList,
    FilingOut,
    ReportOut,
    StatusOut,
)
from lmis_shared.web import Context, etag

router = APIRouter(prefix="/v1/reports", tags=["reports"])

Kind = Annotated[
    str, Path(description="monthly, yearly_agencies, yearly_department, programme_review")
]
Unit = Annotated[
    str, Path(description="the filing unit's code: a commune (03637) or province (12)")
]
PeriodPath = Annotated[str, Path(description="2026-11 for a monthly report, 2026 for a yearly one")]
Format = Literal["json", "xlsx", "pdf"]

_MEDIA = {"xlsx": report_xlsx.MEDIA_TYPE, "pdf": report_pdf.MEDIA_TYPE}
_RENDER = {"xlsx": report_xlsx.render_xlsx, "pdf": report_pdf.render_pdf}


def _negotiated(request: Request, asked: Format | None) -> Format:
    if asked is not None:
        return asked
    accept = request.headers.get("accept", "")
    for fmt, media in _MEDIA.items():
        if media in accept:
            return fmt  # type: ignore[return-value]
    return "json"


@router.get("/{kind}/status", summary="Which units filed a report for a period, late, not filed")
async def filing_status(
    caller: Caller,
    app: App,
    kind: Kind,
    unit: Annotated[str, Query(description="a province (its communes) or the filing unit")],
    period: Annotated[str, Query(description="2026-11 or 2026")],
    hierarchy: HierarchyQuery = "current",
) -> StatusOut:
    return StatusOut.of(await app.filings.status(caller, kind, unit, period, hierarchy))


@router.get(
    "/{kind}/{unit}/{period}",
    summary="A statutory report as JSON, XLSX or PDF",
    response_model=ReportOut,
    responses={200: {"content": {m: {} for m in _MEDIA.values()}}},
)
async def get_report(
    request: Request,
    caller: Caller,
    app: App,
    kind: Kind,
    unit: Unit,
    period: PeriodPath,
    format: Annotated[Format | None, Query(description="json, xlsx or pdf")] = None,
    hierarchy: HierarchyQuery = "current",
    as_of: AsOfQuery = None,
) -> Response | ReportOut:
    report = await app.reports.as_of(as_of).report(caller, kind, unit, period, hierarchy)
    fmt = _negotiated(request, format)
    if fmt == "json":
        return ReportOut.of(report)
    name = f"bao-cao-{report.kind}-{report.unit.code}-{report.period}.{fmt}"
    return Response(
        _RENDER[fmt](report),
        media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/{kind}/{unit}/{period}/filings", summary="File a report (a new version)")
async def file_report(
    ctx: Context,
    app: App,
    response: Response,
    kind: Kind,
    unit: Unit,
    period: PeriodPath,
    hierarchy: HierarchyQuery = "current",
) -> FilingOut:
    result = await app.filings.file(ctx, kind, unit, period, hierarchy)
    response.status_code = result.status_code
    response.headers["ETag"] = etag(result.version)
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return FilingOut.model_validate(result.body)


@router.get("/{kind}/{unit}/{period}/filings", summary="Every filed version of a report")
async def list_filings(
    caller: Caller,
    app: App,
    kind: Kind,
    unit: Unit,
    period: PeriodPath,
    hierarchy: HierarchyQuery = "current",
) -> FilingList:
    found = await app.filings.versions(caller, kind, unit, period, hierarchy)
    return FilingList(items=[FilingOut.of(f) for f in found])
