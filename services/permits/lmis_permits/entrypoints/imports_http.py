"""HTTP routes of the permit-register import: upload a CSV/XLSX of existing foreign worker
files and their permits, get the template. The registry's import, for permits.

`POST /v1/imports/permits` takes the file as the body (`text/csv` or the XLSX media type) or
as the `file` part of a `multipart/form-data` form. It answers a JSON summary
`{rows, imported, skipped, rejected, errors: [{row, column, field, reason}], ...}`, or, with
`?report=xlsx`, the error report as a workbook (headings "Dòng", "Cột", "Lý do") with the
counts in `X-Import-*` headers. Posting the same file again imports nothing twice.

Wiring (in `entrypoints/http.py`): call `install_permit_imports(app, pool, schema, secret,
clock, rules)` where the service is built from the pool, and add `imports_router` to the
routers.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from lmis_permits.adapters.bulk_permits import PostgresPermitImports
from lmis_permits.application.imports import PermitImports
from lmis_permits.bootstrap import PERMITS_GRANTS
from lmis_permits.domain.rules import PermitRules
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

MAX_UPLOAD_BYTES = 16 * 1024 * 1024  # a province's register is thousands of rows, < 2 MB
REPORT_FILE = "loi_nhap_giay_phep_lao_dong.xlsx"
"""Keys the import's file ids until the service has a lookup-key setting of its own."""

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


def install_permit_imports(
    app: FastAPI,
    pool: asyncpg.Pool,
    schema: str,
    lookup_secret: bytes,
    clock: Clock | None = None,
    rules: PermitRules | None = None,
    authorizer: Authorizer | None = None,
) -> None:
    """Build the import use case on PostgreSQL for the routes of `imports_router`."""
    app.state.permit_imports = PermitImports(
        PostgresPermitImports(pool, schema, lookup_secret),
        clock or SystemClock(),
        authorizer or Authorizer(PERMITS_GRANTS),
        rules or PermitRules(),
    )


def permit_imports(request: Request) -> PermitImports:
    imports: PermitImports = request.app.state.permit_imports
    return imports


Caller = Annotated[Principal, Depends(current_principal)]
Imports = Annotated[PermitImports, Depends(permit_imports)]


@imports_router.post(
    "/permits",
    response_model=ImportReport,
    summary="Import the existing permit register from CSV or XLSX",
    description="Rows in the template's columns (`GET /v1/imports/permits/template.xlsx`) "
    "become foreign worker files with their work permit or exemption (and end of employment), "
    "validated and decided as `POST /v1/foreign-workers` and its commands are. The employer "
    "must be registered, with an approved demand covering the start date. Good rows are "
    "imported, bad rows reported by row, column and reason; a row is imported whole or not at "
    "all; rows imported before are skipped. Rows of employers outside the caller's unit are "
    "refused row by row. A file that cannot be read at all is a 422 naming `file`.",
    openapi_extra=_UPLOAD,
    responses={
        200: {
            "content": {XLSX_MEDIA_TYPE: {}},
            "description": "the summary, or with `report=xlsx` the error report",
        },
        413: {**PROBLEM_RESPONSES[422], "description": "the file is too large"},
    },
)
async def import_permits(
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
    "/permits/template.xlsx",
    summary="The blank permit-register template",
    description="Headings, an example row (skipped on import) and a sheet of instructions.",
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "the template"}},
    response_class=Response,
)
async def permit_template(imports: Imports) -> Response:
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
