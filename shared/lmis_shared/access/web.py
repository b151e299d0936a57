"""The access record on the web: the dependency routes record through, and the admin's listing.

A route that answers personal data takes `access: Access` and, once the use case has answered
(the caller was allowed and the file exists), records what it is about to send:

    state = await app.workers.get(worker_id, ctx.principal)
    await access.read([worker_id], WORKER_FILE)

A request whose access cannot be recorded fails (500): no record, no data. The purpose comes
from the optional `X-Purpose` header (a header, not a query parameter: URLs are logged and
traced), percent-encoded UTF-8 since headers are ASCII (`X-Purpose: x%C3%A1c%20minh`; plain
ASCII as it is). Only successful accesses are recorded; a refused one (403, 404) sends nothing.

    GET /v1/audit/access?subject=<id>&actor=<officer>&cursor=&limit=    admin only, newest first

Public API:
    install_access_log(app, pool, schema)     where the service builds itself from the pool
    Access                                    a route's `access: Access` (an `AccessRecorder`)
    AccessRecorder .read(subjects, fields) .list(subjects, fields) .record(action, ...)
    access_router                             the listing's router, added to a service's routers
"""

# No `from __future__ import annotations`: FastAPI must see the annotations as objects.

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import unquote
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from opentelemetry import trace
from pydantic import BaseModel

from lmis_shared.access.postgres import PostgresAccessLog
from lmis_shared.access.record import AccessEntry, Action, StoredEntry
from lmis_shared.auth import Principal, Role
from lmis_shared.errors import Forbidden, InvalidInput
from lmis_shared.records import record_from
from lmis_shared.web.security import current_principal

PURPOSE_HEADER = "X-Purpose"
_PURPOSE = re.compile(r"^[^\x00-\x1f\x7f]{1,200}$")  # one line of text, as headers are


def install_access_log(app: FastAPI, pool: asyncpg.Pool, schema: str) -> None:
    app.state.access_log = PostgresAccessLog(pool, schema)


def _access_log(request: Request) -> PostgresAccessLog:
    log: PostgresAccessLog = request.app.state.access_log
    return log


@dataclass(frozen=True)
class AccessRecorder:
    """Records this request's accesses: who asks and why are the request's own."""

    log: PostgresAccessLog
    principal: Principal
    purpose: str | None
    correlation_id: UUID | None
    trace_id: str | None

    async def read(self, subjects: Iterable[UUID | str], fields: Iterable[str]) -> None:
        await self.record("read", subjects, fields)

    async def list(self, subjects: Iterable[UUID | str], fields: Iterable[str]) -> None:
        """One entry per page of a list, naming every file the page shows."""
        await self.record("list", subjects, fields)

    async def record(
        self, action: Action, subjects: Iterable[UUID | str], fields: Iterable[str]
    ) -> None:
        await self.log.append(
            AccessEntry(
                recorded_at=datetime.now(UTC),
                actor=self.principal.subject,
                role=self.principal.role.value,
                unit=self.principal.scope,
                action=action,
                subjects=tuple(dict.fromkeys(str(s) for s in subjects)),
                fields=tuple(fields),
                purpose=self.purpose,
                correlation_id=self.correlation_id,
                trace_id=self.trace_id,
            )
        )


def access_recorder(
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
    log: Annotated[PostgresAccessLog, Depends(_access_log)],
    purpose: Annotated[
        str | None,
        Header(alias=PURPOSE_HEADER, description="why the caller reads (kept in the record)"),
    ] = None,
) -> AccessRecorder:
    context = trace.get_current_span().get_span_context()
    return AccessRecorder(
        log,
        principal,
        _purpose(purpose),
        getattr(request.state, "correlation_id", None),
        format(context.trace_id, "032x") if context.is_valid else None,
    )


Access = Annotated[AccessRecorder, Depends(access_recorder)]


def _purpose(header: str | None) -> str | None:
    if header is None:
        return None
    try:
        text = unquote(header, errors="strict").strip()
    except UnicodeDecodeError:
        text = ""
    if not _PURPOSE.match(text):
        raise InvalidInput(
            f"header.{PURPOSE_HEADER}",
            "must be one line of 1 to 200 characters, percent-encoded UTF-8",
        )
    return text


# --- the admin's listing ---------------------------------------------------------------------


class AccessEntryView(BaseModel):
    id: int
    recorded_at: datetime
    actor: str
    role: str
    unit: str
    action: str
    subjects: list[str]
    fields: list[str]
    purpose: str | None
    correlation_id: UUID | None
    trace_id: str | None
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, stored: StoredEntry) -> "AccessEntryView":
        e = stored.entry
        return record_from(
            cls,
            e,
            id=stored.id,
            prev_hash=stored.prev_hash.hex(),
            hash=stored.hash.hex(),
        )


class AccessPage(BaseModel):
    items: list[AccessEntryView]
    next_cursor: str | None


access_router = APIRouter(prefix="/v1/audit", tags=["audit"])


@access_router.get(
    "/access",
    response_model=AccessPage,
    summary="The access record: who read whose personal data (admin only)",
    description="Entries about one file (`subject`, its id) or by one officer (`actor`, the "
    "token's subject), or both; newest first, pages follow `next_cursor`. Each entry shows "
    "its chain hashes; `lmis audit verify` checks the chain.",
)
async def list_access(
    principal: Annotated[Principal, Depends(current_principal)],
    log: Annotated[PostgresAccessLog, Depends(_access_log)],
    subject: Annotated[str | None, Query(max_length=100, description="a file's id")] = None,
    actor: Annotated[str | None, Query(max_length=200, description="an officer id")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the page before")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AccessPage:
    if principal.role is not Role.ADMIN:
        raise Forbidden("only an admin may read the access record")
    if subject is None and actor is None:
        raise InvalidInput("query.subject", "give a subject, an actor, or both")
    entries = await log.page(subject, actor, _before(cursor), limit + 1)
    more = len(entries) > limit
    return AccessPage(
        items=[AccessEntryView.of(e) for e in entries[:limit]],
        next_cursor=str(entries[limit - 1].id) if more else None,
    )


def _before(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise InvalidInput("query.cursor", "must be the `next_cursor` of a page")
    return int(cursor)
