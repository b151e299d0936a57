"""The officials' dashboard: server-rendered pages (Jinja2 templates under `templates/`, CSS
and a few lines of JavaScript under `static/`, no build step and nothing from a CDN).

    GET /                      the overview of the signed-in unit, or `?unit=` under it
    GET /figures.json          the same figures as JSON, which an open page polls (live update)
    GET /open/<service>/v1/…   a list, export or report document behind a figure, asked from
                               its service with the officer's own token (`?as=xlsx`: the
                               list page as a workbook)

Every figure comes from `DashboardQueries`, which reads through the indicator API's own use
cases; every page needs a session (`sessions.py`, opened by `signin.py`), and what it shows is
what the officer's token may read there. Charts are tables whose cells carry a bar, so the
table is the chart's alternative and the page reads the same without styles.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from lmis_reporting.application.dashboard import DRILL_DOWN
from lmis_reporting.bootstrap import Reporting
from lmis_reporting.entrypoints import page_links, page_view
from lmis_reporting.entrypoints.list_export import XLSX, list_workbook
from lmis_reporting.entrypoints.page_text import Words
from lmis_reporting.entrypoints.sessions import SignedIn, csrf_token, language_of, signed_in
from lmis_shared.errors import DomainError, Forbidden, NotFound

PACKAGE = Path(__file__).resolve().parents[1]
templates = Jinja2Templates(directory=PACKAGE / "templates")
static_files = StaticFiles(directory=PACKAGE / "static")

pages = APIRouter(include_in_schema=False)
EXPORT = "as"
"""`?as=xlsx` on a list page: the page as a workbook (`list_export.py`), not forwarded."""

PAGE_HEADERS = {
    # pages show what one officer may see, lists show personal data: kept by no cache
    "Cache-Control": "no-store",
    # our own scripts and styles only (the bars' widths are style attributes); never framed
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "Referrer-Policy": "same-origin",
}
UnitQuery = Annotated[str | None, Query(pattern=r"^\d{2}(\d{3})?$")]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100)]


def _reporting(request: Request) -> Reporting:
    found: Reporting = request.app.state.reporting
    return found


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    words = Words(language_of(request))
    page = templates.TemplateResponse(
        request,
        template,
        # a CSRF token only for a session to protect: a refused visitor gets no cookie
        {
            "t": words,
            "csrf": csrf_token(request) if "token" in request.session else "",
            "links": page_links,
            **context,
        },
        status_code=status,
    )
    page.headers.update(PAGE_HEADERS)
    return page


def error_page(request: Request, status: int, reason: str) -> Response:
    return render(request, "error.html", status, code=status, reason=reason)


@pages.get("/")
async def overview(request: Request, unit: UnitQuery = None, year: YearQuery = None) -> Response:
    who = await signed_in(request)
    if who is None:
        return RedirectResponse("/signin", status_code=303)
    try:
        found = await _reporting(request).dashboard.overview(
            who.principal, unit or who.principal.scope, year
        )
    except DomainError as error:
        return _refused(request, error)
    settings = request.app.state.reporting_settings
    return render(
        request,
        "overview.html",
        o=found,
        who=who.principal,
        tables=page_view.tables(found, Words(language_of(request))),
        children_ranked=page_view.ranked_children(found),
        children_by_code={row.unit.code: row for row in found.children},
        columns=DRILL_DOWN,
        refresh_seconds=settings.refresh_seconds,
    )


@pages.get("/figures.json")
async def figures(
    request: Request, unit: UnitQuery = None, year: YearQuery = None, as_of: date | None = None
) -> Response:
    """What an open page polls: every figure under its id (`Overview.figures`); with `as_of`
    (a past day), as they stood at its end."""
    who = await signed_in(request)
    if who is None:
        return JSONResponse({"detail": "sign in again"}, status_code=401)
    try:
        found = (
            await _reporting(request)
            .dashboard.as_of(as_of)
            .overview(who.principal, unit or who.principal.scope, year)
        )
    except DomainError as error:
        return JSONResponse({"detail": str(error)}, status_code=_status(error))
    body = {"as_of": found.as_of.isoformat(), "figures": found.figures()}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@pages.get("/open/{service}/{path:path}")
async def open_behind(request: Request, service: str, path: str) -> Response:
    """The list (as a table), export or document behind a figure, as the officer may see it."""
    who = await signed_in(request)
    if who is None:
        return RedirectResponse("/signin", status_code=303)
    peers = _reporting(request).peers
    if not peers.knows(service) or not path.startswith("v1/"):
        return error_page(request, 404, "no such list")
    params = [(k, v) for k, v in request.query_params.multi_items() if k != EXPORT]
    own = httpx.ASGITransport(request.app) if service == "reporting" else None
    try:
        answer = await peers.get(service, f"/{path}", params, who.credential, own)
    except httpx.HTTPError:
        return error_page(request, 502, f"the {service} service did not answer")
    if answer.status >= 400:
        return error_page(request, answer.status, _problem_text(answer.body))
    if answer.content_type.startswith("application/json"):
        page = json.loads(answer.body)
        rows = _rows_of(page)
        if rows is not None:
            return _list_page(request, who, rows, page.get("next_cursor"), params)
    headers = {"Cache-Control": "no-store"}
    if answer.content_disposition:
        headers["Content-Disposition"] = answer.content_disposition
    return Response(answer.body, media_type=answer.content_type, headers=headers)


def _rows_of(page: Any) -> list[dict[str, Any]] | None:
    """The rows of an answer that holds a list of objects (`items` of a list page, `units` of
    a filing status), which a table shows; None for any other answer."""
    if not isinstance(page, dict):
        return None
    for value in page.values():
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            return value
    return None


def _list_page(
    request: Request,
    who: SignedIn,
    items: list[dict[str, Any]],
    cursor: Any,
    params: list[tuple[str, str]],
) -> Response:
    columns = [k for k, v in items[0].items() if not isinstance(v, dict | list)] if items else []
    if request.query_params.get(EXPORT) == "xlsx":
        return Response(
            list_workbook(columns, items),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="danh-sach.xlsx"'},
        )
    next_url = None
    if cursor:
        kept = [(k, v) for k, v in params if k != "cursor"]
        query = httpx.QueryParams([*kept, ("cursor", str(cursor))])
        next_url = f"{request.url.path}?{query}"
    export = httpx.QueryParams([*params, (EXPORT, "xlsx")])
    return render(
        request,
        "list.html",
        columns=columns,
        rows=items,
        next_url=next_url,
        export_url=f"{request.url.path}?{export}",
        who=who.principal,
    )


def _problem_text(body: bytes) -> str:
    # problem details never quote what was sent (RFC 9457 answers of our services)
    try:
        problem = json.loads(body)
    except ValueError:
        return ""
    if not isinstance(problem, dict):
        return ""
    return str(problem.get("detail") or problem.get("title") or "")


def _status(error: DomainError) -> int:
    if isinstance(error, Forbidden):
        return 403
    return 404 if isinstance(error, NotFound) else 422


def _refused(request: Request, error: DomainError) -> Response:
    reason = error.reason if isinstance(error, Forbidden) else str(error)
    return error_page(request, _status(error), reason)
