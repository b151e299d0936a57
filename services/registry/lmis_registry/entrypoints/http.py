"""The registry's HTTP API: routes translate between the wire and use cases, nothing more.

Authentication, problem details, tracing and health come from `lmis_shared.web.create_app`;
authorisation happens in the application layer, on the loaded object.

Worker files (the shape is fixed, scripts rely on it): `POST /v1/workers` registers,
`PATCH /v1/workers/{id}` updates the profile, `POST /v1/workers/{id}/<command>` runs each
lifecycle command, `GET` reads a file, its history, or the filtered list. Every command takes
`Idempotency-Key` (a repeat returns the first answer) and `If-Match: "<version>"` (412 when
the file has moved on).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse

from lmis_registry.bootstrap import Registry, bootstrap_postgres
from lmis_registry.domain import workers as w
from lmis_registry.entrypoints.imports_http import imports_router, install_worker_imports
from lmis_registry.entrypoints.loans_http import LOANS_STATE, loans_router
from lmis_registry.entrypoints.worker_views import (
    CommandAccepted,
    HistoryEntry,
    WorkerCreated,
    WorkerFilters,
    WorkerHistory,
    WorkerList,
    WorkerView,
)
from lmis_registry.settings import RegistrySettings
from lmis_shared.clock import Clock
from lmis_shared.commands import CommandResult
from lmis_shared.settings import CommonSettings
from lmis_shared.web import PROBLEM_RESPONSES, ProblemMapping, RequestContext, etag, request_context
from lmis_shared.web.service import service_app

VERSION = "0.2.0"

workers = APIRouter(prefix="/v1/workers", tags=["workers"])

_PROBLEM = PROBLEM_RESPONSES[422]
COMMAND_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {**_PROBLEM, "description": "no such worker file"},
    409: {
        **_PROBLEM,
        "description": "not allowed in the file's state (`current_state`, `allowed_commands`),"
        " changed by someone else meanwhile, or a second open file of the citizen",
    },
    412: {**_PROBLEM, "description": "`If-Match` names a version that is no longer current"},
}
_REPEAT_SAFE = (
    " Send `Idempotency-Key` to make retries safe and `If-Match` with the version you read to"
    " refuse the change if the file moved on."
)


def registry(request: Request) -> Registry:
    app_registry: Registry = request.app.state.registry
    return app_registry


Context = Annotated[RequestContext, Depends(request_context)]
App = Annotated[Registry, Depends(registry)]


def answer(result: CommandResult, **headers: str) -> JSONResponse:
    headers["ETag"] = etag(int(result.body["version"]))
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(result.body, status_code=result.status_code, headers=headers)


async def run(
    app: Registry, worker_id: UUID, command: w.AnyWorkerCommand, ctx: RequestContext
) -> JSONResponse:
    return answer(await app.workers.execute(worker_id, command, ctx.command()))


# --- reads --------------------------------------------------------------------------------


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
    filters: Annotated[WorkerFilters, Query()], ctx: Context, app: App
) -> WorkerList:
    return WorkerList.of(await app.workers.search(filters.search(), ctx.principal))


@workers.get(
    "/{worker_id}",
    response_model=WorkerView,
    summary="A worker file's current state",
    description="With `status`, `version` (also the `ETag`) and the `allowed_commands` now.",
    responses={404: COMMAND_RESPONSES[404]},
)
async def get_worker(worker_id: UUID, ctx: Context, app: App) -> JSONResponse:
    state = await app.workers.get(worker_id, ctx.principal)
    return JSONResponse(
        WorkerView.of(state).model_dump(mode="json"), headers={"ETag": etag(state.version)}
    )


@workers.get(
    "/{worker_id}/history",
    response_model=WorkerHistory,
    summary="A worker file's events, in order",
    description="Every event of the file with its type, version, time and acting officer.",
    responses={404: COMMAND_RESPONSES[404]},
)
async def worker_history(worker_id: UUID, ctx: Context, app: App) -> WorkerHistory:
    events = await app.workers.history(worker_id, ctx.principal)
    return WorkerHistory(id=worker_id, events=[HistoryEntry.of(e) for e in events])


# --- commands -----------------------------------------------------------------------------


@workers.post(
    "",
    status_code=201,
    response_model=WorkerCreated,
    summary="Register an outbound worker file",
    description="Opens a file for a citizen going to work abroad; a citizen has at most one "
    "open file (409 otherwise). Send an `Idempotency-Key` header to make retries safe: a "
    "repeated key returns the first answer.",
    responses={409: COMMAND_RESPONSES[409]},
)
async def register_worker(body: w.RegisterWorker, ctx: Context, app: App) -> JSONResponse:
    result = await app.workers.register(body, ctx.command())
    return answer(result, Location=f"/v1/workers/{result.body['id']}")


@workers.patch(
    "/{worker_id}",
    response_model=CommandAccepted,
    summary="Update a worker's profile",
    description="Send only the fields that change; null clears an optional one (passport, "
    "phone, village, education, occupation). An update that changes nothing records nothing."
    + _REPEAT_SAFE,
    responses=COMMAND_RESPONSES,
)
async def update_profile(
    worker_id: UUID, body: w.UpdateProfile, ctx: Context, app: App
) -> JSONResponse:
    return await run(app, worker_id, body, ctx)


@workers.post(
    "/{worker_id}/enrol-training",
    response_model=CommandAccepted,
    summary="Enrol the worker in training",
    description="Language (with the language), orientation or vocational, at a centre."
    + _REPEAT_SAFE,
    responses=COMMAND_RESPONSES,
)
async def enrol_training(
    worker_id: UUID, body: w.EnrolTraining, ctx: Context, app: App
) -> JSONResponse:
    return await run(app, worker_id, body, ctx)


@workers.post(
    "/{worker_id}/record-training-result",
    response_model=CommandAccepted,
    summary="Record a training result",
    description="Completion of the pending course of that kind: passed or failed, with the "
    "exam and its score (EPS-TOPIK: 0-200)." + _REPEAT_SAFE,
    responses=COMMAND_RESPONSES,
)
async def record_training_result(
    worker_id: UUID, body: w.RecordTrainingResult, ctx: Context, app: App
) -> JSONResponse:
    return await run(app, worker_id, body, ctx)


@workers.post(
    "/{worker_id}/sign-contract",
    response_model=CommandAccepted,
    summary="Record the signed contract",
    description="Destination (ISO 3166 alpha-2), programme, sending organisation, employer, "
    "sector, start date and duration, monthly salary and the fees paid, itemised, in VND."
    + _REPEAT_SAFE,
    responses=COMMAND_RESPONSES,
)
async def sign_contract(
    worker_id: UUID, body: w.SignContract, ctx: Context, app: App
) -> JSONResponse:
    return await run(app, worker_id, body, ctx)


@workers.post(
    "/{worker_id}/record-departure",
    response_model=CommandAccepted,
    summary="Record the departure",
    description="Date (not in the future, not before the signing) and border gate." + _REPEAT_SAFE,
    responses=COMMAND_RESPONSES,
)
async def record_departure(
    worker_id: UUID, body: w.RecordDeparture, ctx: Context, app: App
) -> JSONResponse:
    return await run(app, worker_id, body, ctx)


@workers.post(
    "/{worker_id}/extend-contract",
    response_model=CommandAccepted,
    summary="Extend the contract",
    description="The new end date, after the current one." + _REPEAT_SAFE,
    responses=COMMAND_RESPONSES,
)
async def extend_contract(
    worker_id: UUID, body: w.ExtendContract, ctx: Context, app: App
) -> JSONResponse:
    return await run(app, worker_id, body, ctx)


@workers.post(
    "/{worker_id}/record-return",
    response_model=CommandAccepted,
    summary="Record the worker's return",
    description="Date and reason; closes the file, so the citizen may open a new one."
    + _REPEAT_SAFE,
    responses=COMMAND_RESPONSES,
)
async def record_return(
    worker_id: UUID, body: w.RecordReturn, ctx: Context, app: App
) -> JSONResponse:
    return await run(app, worker_id, body, ctx)


@workers.post(
    "/{worker_id}/report-absconded",
    response_model=CommandAccepted,
    summary="Report that the worker absconded",
    description="The date the worker left the employer, within the contract, and who reported "
    "it." + _REPEAT_SAFE,
    responses=COMMAND_RESPONSES,
)
async def report_absconded(
    worker_id: UUID, body: w.ReportAbsconded, ctx: Context, app: App
) -> JSONResponse:
    return await run(app, worker_id, body, ctx)


@workers.post(
    "/{worker_id}/report-overstaying",
    response_model=CommandAccepted,
    summary="Report that the worker overstays",
    description="Since when (after the contract's end) and who reported it." + _REPEAT_SAFE,
    responses=COMMAND_RESPONSES,
)
async def report_overstaying(
    worker_id: UUID, body: w.ReportOverstaying, ctx: Context, app: App
) -> JSONResponse:
    return await run(app, worker_id, body, ctx)


@workers.post(
    "/{worker_id}/withdraw",
    response_model=CommandAccepted,
    summary="Withdraw before departure",
    description="The worker gives up before leaving; closes the file." + _REPEAT_SAFE,
    responses=COMMAND_RESPONSES,
)
async def withdraw(worker_id: UUID, body: w.Withdraw, ctx: Context, app: App) -> JSONResponse:
    return await run(app, worker_id, body, ctx)


# --- the app ------------------------------------------------------------------------------


def problems() -> ProblemMapping:
    """The shared problem types plus the registry's own."""
    mapping = ProblemMapping()
    mapping.register(
        w.OpenFileExists,
        status=409,
        type="open-file-exists",
        title="The citizen already has an open worker file",
        title_vi="Công dân đã có hồ sơ đang mở",
    )
    return mapping


def create_app_with(
    common: CommonSettings, own: RegistrySettings, clock: Clock | None = None
) -> FastAPI:
    """The registry's app; `clock` (default: the system's) lets tests set today's date."""
    secret = own.lookup_secret(common.mode)  # refuses the development key in production

    def build(app: FastAPI, pool: asyncpg.Pool) -> None:
        app.state.registry = bootstrap_postgres(pool, own.schema_name, secret, clock)
        setattr(app.state, LOANS_STATE, app.state.registry.loans)
        install_worker_imports(app, pool, own.schema_name, secret, clock)

    return service_app(
        service="registry",
        common=common,
        routers=[workers, loans_router, imports_router],
        version=VERSION,
        description="Outbound workers (người lao động đi làm việc ở nước ngoài) and their loans.",
        on_pool=build,
        problems=problems(),
    )


def create_app_from_env() -> FastAPI:
    return create_app_with(CommonSettings(), RegistrySettings())
