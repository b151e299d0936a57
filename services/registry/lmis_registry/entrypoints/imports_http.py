"""HTTP routes of the bulk import: upload a CSV/XLSX of existing worker files, get the template
(`lmis_shared.web.imports` describes the upload and its answers).

Posting the same file again imports nothing twice, so the report of an earlier upload can
always be had by posting the file again with `?report=xlsx`.
"""

from __future__ import annotations

from fastapi import Request

from lmis_registry.application.imports import WorkerImports
from lmis_shared.web.imports import imports_router as shared_imports_router

MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # a 200,000-row CSV is about 25 MB
REPORT_FILE = "loi_nhap_nguoi_lao_dong.xlsx"


def worker_imports(request: Request) -> WorkerImports:
    imports: WorkerImports = request.app.state.registry.imports
    return imports


imports_router = shared_imports_router(
    "workers",
    worker_imports,
    summary="Import existing worker files from CSV or XLSX",
    description="Rows in the template's columns (`GET /v1/imports/workers/template.xlsx`) "
    "become registrations, validated as `POST /v1/workers` validates them. Good rows are "
    "imported, bad rows reported by row, column and reason; a row is imported whole or not "
    "at all; rows imported before are skipped. A commune officer's rows of other communes "
    "are refused row by row. A file that cannot be read at all is a 422 naming `file`.",
    template_summary="The blank import template",
    report_file=REPORT_FILE,
    max_bytes=MAX_UPLOAD_BYTES,
    endpoint_names=("import_workers", "worker_template"),
)
