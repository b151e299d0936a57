"""The HTTP side of a bulk import, the same in every service: read the upload, run the
service's import, answer a JSON summary or the XLSX error report; serve the blank template.

A service's router keeps only its paths, texts and the dependency giving its import use case.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal, Protocol

from fastapi import HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from lmis_shared.auth import Principal
from lmis_shared.commands import CommandContext
from lmis_shared.imports import (
    XLSX_MEDIA_TYPE,
    ImportSummary,
    Table,
    Template,
    error_report_xlsx,
    read_table,
    template_xlsx,
    uploaded_file,
)
from lmis_shared.telemetry import current_traceparent
from lmis_shared.web.app import PROBLEM_RESPONSES

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
}
TEMPLATE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "the template"}
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


class ImportUseCase(Protocol):
    template: Template

    async def run(self, table: Table, ctx: CommandContext) -> ImportSummary: ...


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
    data = uploaded_file(await _body(request, max_bytes), request.headers.get("content-type"))
    table = await asyncio.to_thread(read_table, data, imports.template)
    summary = await imports.run(table, _command_context(request, caller))
    if report == "xlsx":
        report_xlsx = error_report_xlsx(summary.errors, summary)
        return xlsx_response(report_xlsx, report_file, _counts(summary))
    return JSONResponse(summary.as_json())


def template_response(template: Template) -> Response:
    return xlsx_response(template_xlsx(template), f"{template.name}.xlsx")


def xlsx_response(content: bytes, filename: str, headers: dict[str, str] | None = None) -> Response:
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content, media_type=XLSX_MEDIA_TYPE, headers=disposition | (headers or {}))


async def _body(request: Request, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise HTTPException(413, f"the file is larger than {max_bytes >> 20} MB")
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
