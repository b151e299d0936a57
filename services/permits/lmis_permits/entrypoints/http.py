"""The permits service's HTTP API: routes translate between the wire and use cases, nothing more.

Authentication, problem details, tracing and health come from `lmis_shared.web`; authorisation
happens in the application layer, on the loaded object. Every command answers with the
object's new version in `ETag`; send it back as `If-Match` to be refused (412) rather than
overwrite a change you have not seen, and send an `Idempotency-Key` to make retries safe.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse

from lmis_permits.application.ports import WorkerQuery
from lmis_permits.bootstrap import Permits, bootstrap
from lmis_permits.domain import fields
from lmis_permits.domain import foreign_workers as commands
from lmis_permits.domain.demands import SubmitDemand
from lmis_permits.domain.employers import RegisterEmployer, UpdateEmployer
from lmis_permits.domain.permit_status import PermitStatus
from lmis_permits.entrypoints import demands_http, lists_http, views
from lmis_permits.entrypoints.imports_http import imports_router
from lmis_permits.entrypoints.problems import problem_mapping
from lmis_permits.settings import PermitsSettings
from lmis_shared.access.web import Access, access_router, install_access_log
from lmis_shared.clock import Clock
from lmis_shared.contracts.permits import PositionType
from lmis_shared.privacy.erasure import EraseRequest
from lmis_shared.settings import CommonSettings
from lmis_shared.web import Context
from lmis_shared.web.commands import command_route, current
from lmis_shared.web.paging import HistoryWindow
from lmis_shared.web.service import service_app

VERSION = "0.1.0"
_IDEMPOTENT = " Send an `Idempotency-Key` header to make retries safe."
_IF_MATCH = " Send `If-Match` with the version you read: a stale one is refused with 412."

employers = APIRouter(prefix="/v1/employers", tags=["employers"])
workers = APIRouter(prefix="/v1/foreign-workers", tags=["foreign workers"])


def permits(request: Request) -> Permits:
    app_permits: Permits = request.app.state.permits
    return app_permits


App = Annotated[Permits, Depends(permits)]


# --- employers ------------------------------------------------------------------------------


command_route(
    employers,
    "",
    RegisterEmployer,
    lambda app: app.employers.register,
    app=App,
    location=lambda result: f"/v1/employers/{result.body['tax_code']}",
    name="register_employer",
    response_model=views.EmployerChanged,
    summary="Register an employer of foreign workers",
    description="Registers an enterprise by its tax code, at its work location." + _IDEMPOTENT,
)


@employers.get(
    "/{tax_code}",
    response_model=views.EmployerView,
    summary="An employer, its demands, headcount and permits",
)
async def get_employer(tax_code: str, ctx: Context, app: App) -> JSONResponse:
    summary = await app.employers.summary(tax_code, ctx.principal)
    return current(views.EmployerView.of(summary), summary.employer.version)


command_route(
    employers,
    "/{tax_code}",
    UpdateEmployer,
    lambda app: app.employers.update,
    app=App,
    id_type=str,
    method="PATCH",
    name="update_employer",
    response_model=views.EmployerChanged,
    summary="Update an employer's name, work location or sector",
    description="Only the fields sent change; `industrial_zone: null` clears the zone."
    + _IF_MATCH
    + _IDEMPOTENT,
)

command_route(
    employers,
    "/{tax_code}/demands",
    SubmitDemand,
    lambda app: app.demands.submit,
    app=App,
    id_type=str,
    location=lambda result: f"/v1/demands/{result.body['id']}",
    name="submit_demand",
    response_model=views.Changed,
    summary="Submit an explanation of need for foreign workers in one position",
    description="Starts a demand approval; the province approves or rejects it." + _IDEMPOTENT,
)


# --- foreign workers ------------------------------------------------------------------------
# Each read of personal data is recorded (`lmis_shared.access`) with the field groups it shows.
FOREIGN_WORKER_FILE = ("person", "passport", "employment", "permit", "health_check", "residence")
FOREIGN_WORKER_HISTORY = ("history",)
FOREIGN_WORKER_LIST = ("full_name", "employment", "permit_status")


command_route(
    workers,
    "",
    commands.RegisterForeignWorker,
    lambda app: app.foreign_workers.register,
    app=App,
    location=lambda result: f"/v1/foreign-workers/{result.body['id']}",
    name="register_foreign_worker",
    response_model=views.Changed,
    summary="Open a foreign worker file",
    description="Registers a foreigner engaged by a registered employer in one position. "
    "Refused (409) when it would exceed the approved demand for that position." + _IDEMPOTENT,
    responses={409: {"description": "the approved headcount for the position is full"}},
)


@workers.get(
    "",
    response_model=views.ForeignWorkerPage,
    summary="Foreign worker files in your scope, filtered, a page at a time",
    description="`permit_status` is computed today from the stored dates: a permit past its "
    "expiry date is `expired` though no event says so. `expiring` means valid and expiring "
    "within `within_days` days.",
)
async def list_foreign_workers(
    ctx: Context,
    app: App,
    access: Access,
    nationality: Annotated[str | None, Query(examples=["KR"])] = None,
    employer_tax_code: Annotated[str | None, Query()] = None,
    position: Annotated[PositionType | None, Query()] = None,
    permit_status: Annotated[PermitStatus | None, Query()] = None,
    within_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
    unit: Annotated[
        str | None, Query(description="a province or commune code inside your scope")
    ] = None,
    employed: Annotated[bool | None, Query(description="false: employment ended")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the page before")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> views.ForeignWorkerPage:
    query = WorkerQuery(
        unit_code=unit,
        nationality=lists_http.query_field("nationality", fields.nationality, nationality),
        employer_tax_code=lists_http.query_field(
            "employer_tax_code", fields.tax_code, employer_tax_code
        ),
        position=position,
        permit_status=permit_status,
        within_days=within_days,
        employed=employed,
        limit=limit,
    )
    page = await app.foreign_workers.search(query, ctx.principal, cursor)
    items = [
        views.ForeignWorkerItem.of(row, app.foreign_workers.permit_status(row.facts, within_days))
        for row in page.items
    ]
    await access.list([item.id for item in items], FOREIGN_WORKER_LIST)
    return views.ForeignWorkerPage(items=items, next_cursor=page.next_cursor)


@workers.get(
    "/{worker_id}",
    response_model=views.ForeignWorkerView,
    summary="A foreign worker file, with its permit status today",
)
async def get_foreign_worker(
    worker_id: UUID, ctx: Context, app: App, access: Access
) -> JSONResponse:
    state = await app.foreign_workers.get(worker_id, ctx.principal)
    await access.read([worker_id], FOREIGN_WORKER_FILE)
    status = app.foreign_workers.permit_status(state.permit_facts())
    return current(views.ForeignWorkerView.of(state, status), state.version)


@workers.get(
    "/{worker_id}/history",
    response_model=list[views.HistoryEntry],
    summary="Every fact recorded on a foreign worker file, oldest first",
)
async def foreign_worker_history(
    worker_id: UUID, window: HistoryWindow, answer: Response, ctx: Context, app: App, access: Access
) -> list[views.HistoryEntry]:
    _, recorded = await app.foreign_workers.history(worker_id, ctx.principal)
    await access.read([worker_id], FOREIGN_WORKER_HISTORY)
    return [views.HistoryEntry.of(r) for r in window.linked_page(recorded, answer)]


_COMMANDS: list[tuple[type[commands.FileCommand], str, str]] = [
    (commands.ApplyForPermit, "Apply for a work permit", "Records the application."),
    (
        commands.IssuePermit,
        "Issue the work permit",
        "At most 2 years from `issue_date` (settings). A historical permit may be issued "
        "without its application.",
    ),
    (
        commands.ApplyForExtension,
        "Apply to extend the permit",
        "Only within the window before expiry that the settings define (default: 45 to 5 "
        "days before); a permit is extended once.",
    ),
    (commands.ExtendPermit, "Extend the permit", "By at most 2 years (settings)."),
    (commands.RevokePermit, "Revoke the permit", "With the reason and date."),
    (
        commands.CertifyExemption,
        "Certify exemption from a work permit",
        "The certificate replaces the permit for its validity (at most 2 years).",
    ),
    (
        commands.EndEmployment,
        "Record the end of employment",
        "Closes the file: contract end, early termination or departure.",
    ),
    (commands.RecordHealthCheck, "Record a health check", "Date, result, facility."),
    (
        commands.RegisterResidence,
        "Register temporary residence",
        "The police's record: card number and validity.",
    ),
]


for _model, _summary, _description in _COMMANDS:
    command_route(
        workers,
        f"/{{worker_id}}/{_model.name}",
        _model,
        lambda app: app.foreign_workers.handle,
        app=App,
        # a command whose every field has a default may come without a body (`apply-permit`)
        optional_body=all(not f.is_required() for f in _model.model_fields.values()),
        name=_model.__name__,
        response_model=views.Changed,
        summary=_summary,
        description=_description + _IF_MATCH + _IDEMPOTENT,
        responses={409: {"description": "not allowed in the file's current state"}},
    )


command_route(
    workers,
    "/{worker_id}/erase",
    EraseRequest,
    lambda app: app.foreign_workers.erase,
    app=App,
    name="EraseForeignWorker",
    response_model=views.Changed,
    summary="Erase a foreign worker's personal data (admin only)",
    description="Destroys the foreign worker's data key: the `person` and `card` fields of "
    "every event of the file (in the store, on the topics, in dead-letter copies) become "
    "unreadable, and the list forgets the name. The file and its history still answer, "
    "with personal fields null and `erased: true`; the file's other facts stay and still "
    "count. Needs the legal basis and the request's reference; records "
    "`lmis.permits.foreign_worker.erased.v1`. Erasing an erased file changes nothing."
    + _IF_MATCH
    + _IDEMPOTENT,
    responses={409: {"description": "changed by someone else meanwhile"}},
)


def create_app(
    common: CommonSettings | None = None,
    settings: PermitsSettings | None = None,
    *,
    clock: Clock | None = None,
) -> FastAPI:
    """The permits API; with no arguments it reads the environment (the uvicorn factory).
    `clock` lets a test set the date; production reads the system clock."""
    common = common or CommonSettings()
    settings = settings or PermitsSettings()

    def build(app: FastAPI, pool: asyncpg.Pool) -> None:
        app.state.permits = bootstrap(pool, settings, common, clock=clock)
        app.state.permit_imports = app.state.permits.imports  # read by `imports_router`
        install_access_log(app, pool, settings.schema_name)

    return service_app(
        service="permits",
        common=common,
        routers=[
            lists_http.router,
            employers,
            demands_http.router,
            workers,
            imports_router,
            access_router,
        ],
        version=VERSION,
        description="Foreign workers in the province (người lao động nước ngoài): employers, "
        "demand approvals, work permits, extensions, exemptions, health checks, residence.",
        on_pool=build,
        problems=problem_mapping(),
        event_store_schema=settings.schema_name,
    )
