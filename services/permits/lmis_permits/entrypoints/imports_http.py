"""HTTP routes of the permit-register import: upload a CSV/XLSX of existing foreign worker
files and their permits, get the template (`lmis_shared.web.imports` describes the upload and
its answers). The registry's import, for permits. Posting the same file again imports
nothing twice.

Wiring (in `entrypoints/http.py`): call `install_permit_imports(app, pool, schema, secret,
clock, rules)` where the service is built from the pool, and add `imports_router` to the
routers.
"""

from __future__ import annotations

import asyncpg
from fastapi import FastAPI, Request

from lmis_permits.adapters.bulk_permits import PostgresPermitImports
from lmis_permits.application.imports import PermitImports
from lmis_permits.bootstrap import PERMITS_GRANTS
from lmis_permits.domain.rules import PermitRules
from lmis_shared.auth import Authorizer
from lmis_shared.clock import Clock, SystemClock
from lmis_shared.web.imports import imports_router as shared_imports_router

MAX_UPLOAD_BYTES = 16 * 1024 * 1024  # a province's register is thousands of rows, < 2 MB
REPORT_FILE = "loi_nhap_giay_phep_lao_dong.xlsx"


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


imports_router = shared_imports_router(
    "permits",
    permit_imports,
    summary="Import the existing permit register from CSV or XLSX",
    description="Rows in the template's columns (`GET /v1/imports/permits/template.xlsx`) "
    "become foreign worker files with their work permit or exemption (and end of employment), "
    "validated and decided as `POST /v1/foreign-workers` and its commands are. The employer "
    "must be registered, with an approved demand covering the start date. Good rows are "
    "imported, bad rows reported by row, column and reason; a row is imported whole or not at "
    "all; rows imported before are skipped. Rows of employers outside the caller's unit are "
    "refused row by row. A file that cannot be read at all is a 422 naming `file`.",
    template_summary="The blank permit-register template",
    report_file=REPORT_FILE,
    max_bytes=MAX_UPLOAD_BYTES,
    endpoint_names=("import_permits", "permit_template"),
)
