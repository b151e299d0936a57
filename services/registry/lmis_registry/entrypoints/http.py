"""The registry's HTTP API: routes translate between the wire and use cases, nothing more.

Authentication, problem details, tracing and health come from `lmis_shared.web.service_app`;
authorisation happens in the application layer, on the loaded object.

Worker files (the shape is fixed, scripts rely on it): `POST /v1/workers` registers,
`PATCH /v1/workers/{id}` updates the profile, `POST /v1/workers/{id}/<command>` runs each
lifecycle command, `GET` reads a file, its history, or the filtered list. Every command takes
`Idempotency-Key` (a repeat returns the first answer) and `If-Match: "<version>"` (412 when
the file has moved on). Loans are in `loans_http.py`, the bulk import in `imports_http.py`.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import JSONResponse

from lmis_registry.bootstrap import bootstrap
from lmis_registry.domain import workers as w
from lmis_registry.entrypoints.dependencies import App
from lmis_registry.entrypoints.imports_http import imports_router
from lmis_registry.entrypoints.job_reports_http import job_reports_router
from lmis_registry.entrypoints.loans_http import loans_router
from lmis_registry.entrypoints.problems import problem_mapping
from lmis_registry.entrypoints.senders_http import sender_imports_router, senders_router
from lmis_registry.entrypoints.views import (
    CommandAccepted,
    WorkerCreated,
    WorkerFilters,
    WorkerHistory,
    WorkerList,
    WorkerView,
)
from lmis_registry.settings import RegistrySettings
from lmis_shared.access.web import Access, access_router, install_access_log
from lmis_shared.clock import Clock
from lmis_shared.privacy.erasure import EraseRequest
from lmis_shared.settings import CommonSettings
from lmis_shared.web import Context
from lmis_shared.web.commands import command_responses, command_route, current
from lmis_shared.web.paging import HistoryWindow
from lmis_shared.web.service import service_app

VERSION = "0.2.0"

workers = APIRouter(prefix="/v1/workers", tags=["workers"])

COMMAND_RESPONSES = command_responses(
    "no such worker file",
    "not allowed in the file's state (`current_state`, `allowed_commands`),"
    " changed by someone else meanwhile, or a second open file of the citizen",
)
_REPEAT_SAFE = (
    " Send `Idempotency-Key` to make retries safe and `If-Match` with the version you read to"
    " refuse the change if the file moved on."
)


# --- reads --------------------------------------------------------------------------------
# Each read of personal data is recorded (`lmis_shared.access`) with the field groups it shows.
WORKER_FILE = ("person", "contact", "residence", "training", "contract", "abroad")
WORKER_HISTORY = ("history",)
WORKER_LIST = ("full_name", "residence", "status")


@workers.get(
    "",
    response_model=WorkerList,
    summary="List worker files",
    description="Files the caller may read (a commune officer: that commune's residents), "
    "newest registration first, filtered by every parameter given. `q` matches the words of "
    "the name with or without diacritics ('nguyen van an' finds 'Nguyễn Văn An'). Pages "
    "follow `next_cursor`.",
)
async def list_workers(
    filters: Annotated[WorkerFilters, Query()], ctx: Context, app: App, access: Access
) -> WorkerList:
    listed = WorkerList.of(await app.workers.search(filters.search(), ctx.principal))
    await access.list([item.id for item in listed.items], WORKER_LIST)
    return listed


@workers.get(
    "/{worker_id}",
    response_model=WorkerView,
    summary="A worker file's current state",
    description="With `status`, `version` (also the `ETag`) and the `allowed_commands` now.",
    responses={404: COMMAND_RESPONSES[404]},
)
async def get_worker(worker_id: UUID, ctx: Context, app: App, access: Access) -> JSONResponse:
    state = await app.workers.get(worker_id, ctx.principal)
    await access.read([worker_id], WORKER_FILE)
    return current(WorkerView.of(state), state.version)


@workers.get(
    "/{worker_id}/history",
    response_model=WorkerHistory,
    summary="A worker file's events, in order",
    description="Every event of the file with its type, version, time and acting officer.",
    responses={404: COMMAND_RESPONSES[404]},
)
async def worker_history(
    worker_id: UUID, window: HistoryWindow, ctx: Context, app: App, access: Access
) -> WorkerHistory:
    page, next_cursor = window.page(await app.workers.history(worker_id, ctx.principal))
    history = WorkerHistory.of(worker_id, page, next_cursor)
    await access.read([worker_id], WORKER_HISTORY)
    return history


# --- commands -----------------------------------------------------------------------------

command_route(
    workers,
    "",
    w.RegisterWorker,
    lambda app: app.workers.register,
    app=App,
    location=lambda result: f"/v1/workers/{result.body['id']}",
    name="register_worker",
    response_model=WorkerCreated,
    summary="Register an outbound worker file",
    description="Opens a file for a citizen going to work abroad; a citizen has at most one "
    "open file (409 otherwise). Send an `Idempotency-Key` header to make retries safe: a "
    "repeated key returns the first answer.",
    responses={409: COMMAND_RESPONSES[409]},
)

# (command, summary, description) of each command on a file, in the order of the API's docs
_FILE_COMMANDS: tuple[tuple[type[w.WorkerCommand], str, str], ...] = (
    (
        w.UpdateProfile,
        "Update a worker's profile",
        "Send only the fields that change; null clears an optional one (passport, phone, "
        "village, education, occupation). An update that changes nothing records nothing.",
    ),
    (
        w.EnrolTraining,
        "Enrol the worker in training",
        "Language (with the language), orientation or vocational, at a centre.",
    ),
    (
        w.RecordTrainingResult,
        "Record a training result",
        "Completion of the pending course of that kind: passed or failed, with the exam and "
        "its score (EPS-TOPIK: 0-200).",
    ),
    (
        w.SignContract,
        "Record the signed contract",
        "Destination (ISO 3166 alpha-2), programme, sending organisation, employer, sector, "
        "start date and duration, monthly salary and the fees paid, itemised, in VND.",
    ),
    (
        w.RecordDeparture,
        "Record the departure",
        "Date (not in the future, not before the signing) and border gate.",
    ),
    (w.ExtendContract, "Extend the contract", "The new end date, after the current one."),
    (
        w.RecordReturnSkills,
        "Record what a returned worker brings back",
        "Occupation abroad (VSCO code), sector, years, certificates, language level, intention, "
        "and whether the worker consents to be contacted about local jobs. On a returned file; "
        "a later record replaces the earlier one.",
    ),
    (
        w.RecordReturn,
        "Record the worker's return",
        "Date and reason; closes the file, so the citizen may open a new one.",
    ),
    (
        w.ReportAbsconded,
        "Report that the worker absconded",
        "The date the worker left the employer, within the contract, and who reported it.",
    ),
    (
        w.ReportOverstaying,
        "Report that the worker overstays",
        "Since when (after the contract's end) and who reported it.",
    ),
    (
        w.Withdraw,
        "Withdraw before departure",
        "The worker gives up before leaving; closes the file.",
    ),
    (
        w.RecordResidenceCheck,
        "Record the commune police's residence check",
        "Date, who checked (a role) and the outcome: `confirmed` verifies the file's identity, "
        "`not_resident` or `moved_away` marks it a mismatch to follow up.",
    ),
    (
        w.CheckIdentity,
        "Check the file's identity against the population register again",
        "For a file left `unverified` (the register was unavailable) or corrected since: the "
        "register's answer is recorded as at registration (`identity_checked`).",
    ),
    (
        w.RecordFamilyVisit,
        "Record a visit to the family of a worker who overstays or absconded",
        "Date, who visited (a role, never a name), outcome and next step; resolves the "
        "`family_visit_due` alert, and the next visit falls due after the province's interval "
        "while the worker stays abroad illegally.",
    ),
)


def _add_file_commands() -> None:
    """`POST /v1/workers/{id}/<command>` for each, the profile's `PATCH /v1/workers/{id}`."""
    for command, summary, description in _FILE_COMMANDS:
        profile = command is w.UpdateProfile
        command_route(
            workers,
            "/{worker_id}" if profile else f"/{{worker_id}}/{command.command_name}",
            command,
            lambda app: app.workers.execute,
            app=App,
            name=command.command_name.replace("-", "_"),
            method="PATCH" if profile else "POST",
            response_model=CommandAccepted,
            summary=summary,
            description=description + _REPEAT_SAFE,
            responses=COMMAND_RESPONSES,
        )


_add_file_commands()

command_route(
    workers,
    "/{worker_id}/erase",
    EraseRequest,
    lambda app: app.workers.erase,
    app=App,
    name="erase_worker",
    response_model=CommandAccepted,
    summary="Erase a worker's personal data (admin only)",
    description="Destroys the worker's data key: the personal fields of every event of the "
    "file (in the store, on the topics, in dead-letter copies) become unreadable, and the "
    "list forgets the name. The file and its history still answer, with personal fields "
    "null and `erased: true`; the file's other facts stay and still count. Needs the legal "
    "basis and the request's reference; records `lmis.registry.worker.erased.v1`. Erasing "
    "an erased file changes nothing." + _REPEAT_SAFE,
    responses=COMMAND_RESPONSES,
)


# --- the app ------------------------------------------------------------------------------


def create_app(
    common: CommonSettings | None = None,
    settings: RegistrySettings | None = None,
    *,
    clock: Clock | None = None,
) -> FastAPI:
    """The registry's app (the uvicorn factory: with no arguments it reads the environment);
    `clock` (default: the system's) lets tests set today's date."""
    common = common or CommonSettings()
    settings = settings or RegistrySettings()
    settings.lookup_secret(common.mode)  # refuse the development key in production at once

    def build(app: FastAPI, pool: asyncpg.Pool) -> None:
        app.state.registry = bootstrap(pool, settings, common, clock=clock)
        install_access_log(app, pool, settings.schema_name)

    async def close(app: FastAPI) -> None:
        await app.state.registry.aclose()

    return service_app(
        service="registry",
        common=common,
        routers=[
            workers,
            loans_router,
            senders_router,
            job_reports_router,
            imports_router,
            sender_imports_router,
            access_router,
        ],
        version=VERSION,
        description="Outbound workers (người lao động đi làm việc ở nước ngoài) and their loans.",
        on_pool=build,
        problems=problem_mapping(),
        event_store_schema=settings.schema_name,
        on_close=close,
    )
