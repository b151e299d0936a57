"""HTTP routes of the bulk import: upload a CSV/XLSX of existing worker files, get the template.

`POST /v1/imports/workers` takes the file as the body (`text/csv` or the XLSX media type) or
as the `file` part of a `multipart/form-data` form. It answers a JSON summary
`{rows, imported, skipped, rejected, errors: [{row, column, field, reason}], ...}`, or, with
`?report=xlsx`, the error report as a workbook (headings "Dòng", "Cột", "Lý do") with the
counts in `X-Import-*` headers. Posting the same file again imports nothing twice, so the
report of an earlier upload can always be had by posting the file again with `?report=xlsx`.

Wiring (in `entrypoints/http.py`): call `install_worker_imports(app, pool, schema, secret,
clock)` where the registry is built from the pool, and add `imports_router` to the routers.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from lmis_registry.adapters.bulk_files import PostgresBulkFiles
from lmis_registry.application.imports import WorkerImports
from lmis_shared.auth import Authorizer, Principal
from lmis_shared.clock import Clock, SystemClock
from lmis_shared.commands import CommandContext
from lmis_shared.imports import (
    XLSX_MEDIA_TYPE,
    ImportSummary,
    error_report_xlsx,
    read_table,
    template_xlsx,
    uploaded_file,
)
from lmis_shared.telemetry import current_traceparent
from lmis_shared.web import PROBLEM_RESPONSES, current_principal

MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # a 200,000-row CSV is about 25 MB
REPORT_FILE = "loi_nhap_nguoi_lao_dong.xlsx"

imports_router = APIRouter(prefix="/v1/imports", tags=["imports"])

_BINARY = {"schema": {"type": "string", "format": "binary"}}
_UPLOAD: dict[str, Any] = {
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


class RowErrorView(BaseModel):
    row: int
    column: str
    field: str
    reason: str


class ImportReport(BaseModel):
    rows: int
    imported: int
    skipped: int
    rejected: int
    errors: list[RowErrorView]
    skipped_rows: list[int]
    unrecognised_columns: list[str]


def install_worker_imports(
    app: FastAPI,
    pool: asyncpg.Pool,
    schema: str,
    lookup_secret: bytes,
    clock: Clock | None = None,
    authorizer: Authorizer | None = None,
) -> None:
    """Build the import use case on PostgreSQL for the routes of `imports_router`."""
    files = PostgresBulkFiles(pool, schema, lookup_secret)
    app.state.worker_imports = WorkerImports(
        files, clock or SystemClock(), authorizer or Authorizer()
    )


def worker_imports(request: Request) -> WorkerImports:
    imports: WorkerImports = request.app.state.worker_imports
    return imports


Caller = Annotated[Principal, Depends(current_principal)]
Imports = Annotated[WorkerImports, Depends(worker_imports)]


@imports_router.post(
    "/workers",
    response_model=ImportReport,
    summary="Import existing worker files from CSV or XLSX",
    description="Rows in the template's columns (`GET /v1/imports/workers/template.xlsx`) "
    "become registrations, validated as `POST /v1/workers` validates them. Good rows are "
    "imported, bad rows reported by row, column and reason; a row is imported whole or not "
    "at all; rows imported before are skipped. A commune officer's rows of other communes "
    "are refused row by row. A file that cannot be read at all is a 422 naming `file`.",
    openapi_extra=_UPLOAD,
    responses={
        200: {
            "content": {XLSX_MEDIA_TYPE: {}},
            "description": "the summary, or with `report=xlsx` the error report",
        },
        413: {**PROBLEM_RESPONSES[422], "description": "the file is too large"},
    },
)
async def import_workers(
    request: Request,
    caller: Caller,
    imports: Imports,
    report: Annotated[
        Literal["json", "xlsx"], Query(description="`xlsx`: answer the error report workbook")
    ] = "json",
) -> Response:
    data = uploaded_file(await _body(request), request.headers.get("content-type"))
    table = await asyncio.to_thread(read_table, data, imports.template)
    summary = await imports.run(table, _command_context(request, caller))
    if report == "xlsx":
        return _xlsx(error_report_xlsx(summary.errors, summary), REPORT_FILE, _counts(summary))
    return JSONResponse(summary.as_json())


@imports_router.get(
    "/workers/template.xlsx",
    summary="The blank import template",
    description="Headings, an example row (skipped on import) and a sheet of instructions.",
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "the template"}},
    response_class=Response,
)
async def worker_template(imports: Imports) -> Response:
    template = imports.template
    return _xlsx(template_xlsx(template), f"{template.name}.xlsx")


async def _body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise HTTPException(413, f"the file is larger than {MAX_UPLOAD_BYTES >> 20} MB")
        chunks.append(chunk)
    return b"".join(chunks)


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


def _xlsx(content: bytes, filename: str, headers: dict[str, str] | None = None) -> Response:
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content, media_type=XLSX_MEDIA_TYPE, headers=disposition | (headers or {}))
