"""Per-request context: correlation id, idempotency key, If-Match version, trace context.

`RequestContextMiddleware` (added by `create_app`) reads `X-Correlation-ID` (a UUID; a new one
when absent or malformed), echoes it on the response, binds it to every log line, and turns an
unhandled exception into a generic 500 problem (logged with its trace id; no stack trace or
message goes to the client).

Routes take `ctx: Context` (the request's `CommandContext`) and hand it to the application
layer as it is.

Public API:
    request_context(...) -> CommandContext                 FastAPI dependency
    Context = Annotated[CommandContext, Depends(request_context)]   a route's `ctx`
    etag(version: int) -> str                              the ETag a stream version answers
    RequestContextMiddleware(app)                          pure ASGI middleware
    CORRELATION_HEADER = "X-Correlation-ID"
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated
from uuid import UUID

import structlog
from fastapi import Depends, Header, Request
from opentelemetry import trace
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lmis_shared.auth import Principal
from lmis_shared.commands import CommandContext
from lmis_shared.errors import InvalidInput
from lmis_shared.telemetry import current_traceparent
from lmis_shared.web.problems import problem_response
from lmis_shared.web.security import current_principal

CORRELATION_HEADER = "X-Correlation-ID"
_IF_MATCH = re.compile(r'^"?(\d{1,18})"?$')
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # visible ASCII, as HTTP headers allow

_log = structlog.stdlib.get_logger("lmis.web")


async def request_context(
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", description="repeat-safe command key")
    ] = None,
    if_match: Annotated[
        str | None, Header(alias="If-Match", description='expected version, e.g. "3"')
    ] = None,
) -> CommandContext:
    """The request as the application layer sees it: who asks, the correlation and trace, and
    the Idempotency-Key and If-Match headers, checked."""
    return CommandContext(
        principal=principal,
        correlation_id=request.state.correlation_id,
        traceparent=current_traceparent(),
        idempotency_key=_idempotency_key(idempotency_key),
        if_match=_version(if_match),
    )


Context = Annotated[CommandContext, Depends(request_context)]
"""What a route takes as `ctx`: the request's `CommandContext`."""


def etag(version: int) -> str:
    return f'"{version}"'


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    match = _IF_MATCH.match(if_match.strip())
    if match is None:
        raise InvalidInput("header.If-Match", 'must be the version the client read, e.g. "3"')
    return int(match.group(1))


def _idempotency_key(key: str | None) -> str | None:
    if key is not None and not _IDEMPOTENCY_KEY.match(key):
        raise InvalidInput("header.Idempotency-Key", "must be 1 to 200 visible ASCII characters")
    return key


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = _correlation_id(Headers(scope=scope).get(CORRELATION_HEADER))
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        trace.get_current_span().set_attribute("lmis.correlation_id", str(correlation_id))
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[CORRELATION_HEADER] = str(correlation_id)
            await send(message)

        # Log context bound during the request (correlation id, officer id) must not outlive
        # it: a server may run several requests in one task (HTTP/1.1 keep-alive, tests).
        outer = structlog.contextvars.get_contextvars()
        structlog.contextvars.bind_contextvars(correlation_id=str(correlation_id))
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            if started:  # too late for a problem answer; let the server close it
                raise
            await self._internal_error(scope, receive, send_with_id, error)
        finally:
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(**outer)

    async def _internal_error(
        self, scope: Scope, receive: Receive, send: Send, error: Exception
    ) -> None:
        span = trace.get_current_span()
        # The exception's message may carry data from the request: only its type goes to the
        # span and the client; the log line has the (redacted) stack for the operators.
        span.set_status(trace.StatusCode.ERROR, type(error).__name__)
        span.add_event("exception", {"exception.type": type(error).__name__})
        _log.exception("unhandled error", path=scope.get("path"), method=scope.get("method"))
        context = span.get_span_context()
        trace_id = format(context.trace_id, "032x") if context.is_valid else None
        response = problem_response(
            Request(scope),
            500,
            type="internal",
            detail="The server could not complete the request. Quote the trace id to support.",
            extensions={"trace_id": trace_id},
        )
        await response(scope, receive, send)


def _correlation_id(header: str | None) -> UUID:
    if header:
        try:
            return UUID(header)
        except ValueError:
            pass  # not ours to trust or echo: start a new one
    return uuid.uuid4()
