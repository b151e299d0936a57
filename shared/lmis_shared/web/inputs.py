"""The edge's guard on what a request may carry, for every route of every service at once.

`InputGuardMiddleware` (added by `create_app`) refuses, before any route runs:
  * a NUL character or a lone UTF-16 surrogate in a query parameter, a path parameter, a
    header, or a string (or key) of a JSON body: 422 naming the field (`query.parent`,
    `path.tax_code`, `header.X-Purpose`, `body.items.0.name`). PostgreSQL stores neither
    (`text` refuses NUL, UTF-8 has no surrogates), so they would otherwise fail deep inside
    as a 500; no person types them;
  * a JSON body (`application/json`, `+json`: the only bodies the framework parses as JSON;
    uploads such as CSV, XLSX and multipart forms are bounded by the import routes) larger
    than `max_body_bytes`: 413, answered from `Content-Length` before reading, or as
    soon as a streamed body passes the limit, so an oversized body is never buffered whole.

Checking a JSON body costs one scan of its bytes: it is parsed again only when an escape
that may be NUL or a surrogate (`\\u0000`, `\\ud800`-`\\udfff`) is in it. The value is never
echoed, as everywhere (`lmis_shared.web.fields`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lmis_shared.web.problems import problem_response

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89abAB]|[dD][c-fC-F])")
UNSTORABLE_MESSAGE = "must be UTF-8 text without NUL characters or unpaired surrogates"


def unstorable(text: str) -> bool:
    """Whether `text` holds a character PostgreSQL cannot store (NUL, a lone surrogate)."""
    return _UNSTORABLE.search(text) is not None


class BodyTooLarge(Exception):
    """The body passed the limit while it was being read."""


class InputGuardMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        field = _bad_header(scope) or _bad_query(scope) or _bad_path(scope)
        if field is not None:
            await _invalid(scope, receive, send, field)
            return
        if not _is_json(headers):
            # uploads (CSV, XLSX, multipart, untyped) are their routes' to bound; the framework
            # reads a body as JSON only when it says it is (strict content type)
            await self.app(scope, receive, send)
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        try:
            body = await _read_body(receive, self.max_body_bytes)
        except BodyTooLarge:
            await self._too_large(scope, receive, send)
            return
        field = _bad_json(body)
        if field is not None:
            await _invalid(scope, receive, send, field)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"the body must be at most {self.max_body_bytes} bytes"
        response = problem_response(
            Request(scope), 413, type="content-too-large", detail=detail, headers=_CLOSE
        )
        await response(scope, receive, send)


_CLOSE = {"Connection": "close"}  # the rest of an oversized body is not read


async def _invalid(scope: Scope, receive: Receive, send: Send, field: str) -> None:
    response = problem_response(
        Request(scope),
        422,
        type="validation",
        detail=f"{field}: {UNSTORABLE_MESSAGE}",
        extensions={"errors": [{"field": field, "message": UNSTORABLE_MESSAGE}]},
    )
    await response(scope, receive, send)


def _bad_header(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if b"\x00" in value:
            return f"header.{_printable(name.decode('latin-1'))}"
    return None


def _bad_query(scope: Scope) -> str | None:
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if unstorable(value) or unstorable(name):
            return f"query.{_printable(name)}" if not unstorable(name) else "query"
    return None


def _bad_path(scope: Scope) -> str | None:
    if not unstorable(scope.get("path", "")):
        return None
    app = scope.get("app")
    for route in getattr(getattr(app, "router", None), "routes", ()):
        match, child = route.matches(scope)
        if match is Match.FULL:
            for name, value in child.get("path_params", {}).items():
                if isinstance(value, str) and unstorable(value):
                    return f"path.{name}"
    return "path"


def _is_json(headers: Headers) -> bool:
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _bad_json(body: bytes) -> str | None:
    """Where a JSON body holds what cannot be stored; `body` when it is not UTF-8 at all (RFC
    8259 asks for UTF-8, and the framework answers other bytes with a bare 400)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "body"
    if not _SUSPECT_ESCAPE.search(body):
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None  # not JSON: the route's own parsing answers that
    for location, text in _strings(document, ("body",)):
        if unstorable(text):
            return ".".join(location)
    return None


def _strings(value: object, at: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string of a JSON document (keys too), with where it is."""
    if isinstance(value, str):
        yield at, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*at, str(index)))
    elif isinstance(value, dict):
        for key, item in value.items():
            if unstorable(key):
                yield at, key
            else:
                yield from _strings(item, (*at, key))


def _printable(name: str) -> str:
    return _UNSTORABLE.sub("", name)[:100]


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away; the app sees an empty body
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: the disconnect, when it comes

    return replay
