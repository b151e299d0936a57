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

from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response

from lmis_registry.adapters.bulk_files import PostgresBulkFiles
from lmis_registry.application.imports import WorkerImports
from lmis_shared.auth import Authorizer, Principal
from lmis_shared.clock import Clock, SystemClock
from lmis_shared.web import current_principal
from lmis_shared.web.imports import (
    IMPORT_RESPONSES,
    TEMPLATE_RESPONSES,
    UPLOAD_OPENAPI,
    ImportReport,
    import_upload,
    template_response,
)

MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # a 200,000-row CSV is about 25 MB
REPORT_FILE = "loi_nhap_nguoi_lao_dong.xlsx"

imports_router = APIRouter(prefix="/v1/imports", tags=["imports"])


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
    openapi_extra=UPLOAD_OPENAPI,
    responses=IMPORT_RESPONSES,
)
async def import_workers(
    request: Request,
    caller: Caller,
    imports: Imports,
    report: Annotated[
        Literal["json", "xlsx"], Query(description="`xlsx`: answer the error report workbook")
    ] = "json",
) -> Response:
    return await import_upload(
        request,
        caller,
        imports,
        report=report,
        report_file=REPORT_FILE,
        max_bytes=MAX_UPLOAD_BYTES,
    )


@imports_router.get(
    "/workers/template.xlsx",
    summary="The blank import template",
    description="Headings, an example row (skipped on import) and a sheet of instructions.",
    responses=TEMPLATE_RESPONSES,
    response_class=Response,
)
async def worker_template(imports: Imports) -> Response:
    return template_response(imports.template)
