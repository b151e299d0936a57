"""The HTTP side of a bulk import, the same in every service: read the upload, run the
service's import, answer a JSON summary or the XLSX error report; serve the blank template.

A service makes its router with `imports_router(kind, dependency, ...)`, giving only its
path, texts, limits and the dependency that hands out its import use case:

    POST /v1/imports/<kind>                 the file as the body (`text/csv` or the XLSX
                                            media type) or as the `file` part of a form;
                                            answers the JSON summary, or with `?report=xlsx`
                                            the error workbook (counts in `X-Import-*`)
    GET  /v1/imports/<kind>/template.xlsx   the blank template

Every upload that ran is recorded in the service's access record (`lmis_shared.access`): who
imported, with the fields the template fills. The files it opened name their importer as the
actor of their events, so the entry does not list them.
"""

# No `from __future__ import annotations`: the routes `imports_router` makes name its
# arguments in their annotations, which FastAPI must see as objects, not strings.

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, Literal, Protocol, runtime_checkable

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from lmis_shared.access.web import Access
from lmis_shared.auth import Principal
from lmis_shared.commands import CommandContext
from lmis_shared.imports import (
    XLSX_MEDIA_TYPE,
    ImportSummary,
    Table,
    Template,
    error_report_xlsx,
    read_table,
    stream_table,
    template_xlsx,
)
from lmis_shared.imports.heap import fewer_collections
from lmis_shared.imports.streamed import StreamedTable, streamed_table
from lmis_shared.telemetry import current_traceparent
from lmis_shared.web.app import PROBLEM_RESPONSES
from lmis_shared.web.security import current_principal
from lmis_shared.web.uploads import ImportLimits, ImportSlots, received_file

_BINARY = {"schema": {"type": "string", "format": "binary"}}
UPLOAD_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The file, as the body or as the `file` part of a form.",
        "content": {
            "text/csv": _BINARY,
            XLSX_MEDIA_TYPE: _BINARY,
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}
IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {XLSX_MEDIA_TYPE: {}},
        "description": "the summary, or with `report=xlsx` the error report",
    },
    413: {**PROBLEM_RESPONSES[422], "description": "the file is too large"},
    503: {**PROBLEM_RESPONSES[422], "description": "too many imports are running (Retry-After)"},
}
TEMPLATE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "the template"}
}


class RowErrorView(BaseModel):
    row: int
    column: str
    field: str
    reason: str
    reason_vi: str = Field(description="the reason in Vietnamese, as the error report gives it")


class ImportReport(BaseModel):
    rows: int
    imported: int
    skipped: int
    rejected: int
    errors: list[RowErrorView]
    skipped_rows: list[int]
    unrecognised_columns: list[str]


class ImportUseCase(Protocol):
    template: Template

    def authorise(self, principal: Principal) -> None:
        """Raise Forbidden unless the caller may import at all (before its file is read)."""
        ...

    async def run(self, table: Table, ctx: CommandContext) -> ImportSummary: ...


@runtime_checkable
class StreamedImportUseCase(ImportUseCase, Protocol):
    """An import that takes the rows as they are read (`imports/streamed.py`), in batches of
    `batch_size`, and saves nothing before the last one is read."""

    batch_size: int

    async def run_streamed(self, reading: StreamedTable, ctx: CommandContext) -> ImportSummary: ...


def imports_router(
    kind: str,
    use_case: Callable[[Request], ImportUseCase],
    *,
    summary: str,
    description: str,
    template_summary: str,
    report_file: str,
    max_bytes: int,
    endpoint_names: tuple[str, str],
    limits: ImportLimits | None = None,
) -> APIRouter:
    """The import routes of one kind of file (see the module doc). `use_case` is the FastAPI
    dependency giving the service's import; `endpoint_names` name the upload and template
    endpoints (their OpenAPI operation ids); `max_bytes` is the kind's upload size unless
    `limits` (default: the `LMIS_IMPORT_*` settings) say otherwise."""
    router = APIRouter(prefix="/v1/imports", tags=["imports"])
    upload_name, template_name = endpoint_names
    limits = limits or ImportLimits.with_default_size(max_bytes)
    slots = ImportSlots(limits)

    async def upload(
        request: Request,
        caller: Annotated[Principal, Depends(current_principal)],
        imports: Annotated[ImportUseCase, Depends(use_case)],
        access: Access,
        report: Annotated[
            Literal["json", "xlsx"], Query(description="`xlsx`: answer the error report workbook")
        ] = "json",
    ) -> Response:
        imports.authorise(caller)  # before a byte of the file is read
        async with slots.slot():
            answer = await import_upload(
                request,
                caller,
                imports,
                report=report,
                report_file=report_file,
                max_bytes=limits.max_bytes,
            )
        await access.record("import", (), [c.field for c in imports.template.columns])
        return answer

    async def template(imports: Annotated[ImportUseCase, Depends(use_case)]) -> Response:
        return template_response(imports.template)

    router.add_api_route(
        f"/{kind}",
        upload,
        methods=["POST"],
        name=upload_name,
        response_model=ImportReport,
        summary=summary,
        description=description,
        openapi_extra=UPLOAD_OPENAPI,
        responses=IMPORT_RESPONSES,
    )
    router.add_api_route(
        f"/{kind}/template.xlsx",
        template,
        methods=["GET"],
        name=template_name,
        summary=template_summary,
        description="Headings, an example row (skipped on import) and a sheet of instructions.",
        responses=TEMPLATE_RESPONSES,
        response_class=Response,
    )
    return router


async def import_upload(
    request: Request,
    caller: Principal,
    imports: ImportUseCase,
    *,
    report: Literal["json", "xlsx"],
    report_file: str,
    max_bytes: int,
) -> Response:
    """Read the uploaded file, import it, and answer the summary or the error workbook."""
    ctx = _command_context(request, caller)
    with fewer_collections():
        if isinstance(imports, StreamedImportUseCase):  # its rows prepared as they are read
            async with received_file(request, max_bytes) as file:
                opened = partial(stream_table, file, imports.template)
                async with streamed_table(opened, imports.batch_size) as reading:
                    summary = await imports.run_streamed(reading, ctx)
        else:
            async with received_file(request, max_bytes) as file:
                table = await asyncio.to_thread(read_table, file, imports.template)
            summary = await imports.run(table, ctx)
    if report == "xlsx":
        report_xlsx = error_report_xlsx(summary.errors, summary)
        return xlsx_response(report_xlsx, report_file, _counts(summary))
    return JSONResponse(summary.as_json())


def template_response(template: Template) -> Response:
    return xlsx_response(template_xlsx(template), f"{template.name}.xlsx")


def xlsx_response(content: bytes, filename: str, headers: dict[str, str] | None = None) -> Response:
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content, media_type=XLSX_MEDIA_TYPE, headers=disposition | (headers or {}))


def _command_context(request: Request, caller: Principal) -> CommandContext:
    """Idempotency keys and If-Match have no use here: each row is its own idempotency key."""
    return CommandContext(
        principal=caller,
        correlation_id=request.state.correlation_id,
        traceparent=current_traceparent(),
    )


def _counts(summary: ImportSummary) -> dict[str, str]:
    return {
        "X-Import-Rows": str(summary.rows),
        "X-Import-Imported": str(summary.imported),
        "X-Import-Skipped": str(summary.skipped),
        "X-Import-Rejected": str(summary.rejected),
    }
