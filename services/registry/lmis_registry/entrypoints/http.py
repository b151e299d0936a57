"""The registry's HTTP API: routes translate between the wire and use cases, nothing more.

Authentication, problem details, tracing and health come from `lmis_shared.web.create_app`;
authorisation happens in the application layer, on the loaded object.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from lmis_registry.application.workers import CommandContext
from lmis_registry.bootstrap import Registry, bootstrap
from lmis_registry.domain.workers import RegisterWorker, WorkerFile
from lmis_registry.settings import RegistrySettings
from lmis_shared.eventstore import PostgresEventStore
from lmis_shared.reference.ethnicities import ETHNIC_GROUPS
from lmis_shared.settings import CommonSettings
from lmis_shared.web import RequestContext, etag, request_context
from lmis_shared.web.service import service_app

VERSION = "0.1.0"

workers = APIRouter(prefix="/v1/workers", tags=["workers"])


class WorkerCreated(BaseModel):
    id: UUID
    version: int


class WorkerView(BaseModel):
    id: UUID
    version: int
    status: str
    full_name: str
    date_of_birth: date
    sex: str
    ethnicity: str
    ethnicity_name: str
    citizen_id: str
    commune_code: str
    province_code: str
    priority_groups: list[str]
    registered_on: date

    @classmethod
    def of(cls, state: WorkerFile) -> WorkerView:
        return cls(
            id=state.id,
            version=state.version,
            status=state.status.value,
            full_name=state.person.full_name,
            date_of_birth=state.person.date_of_birth,
            sex=state.sex.value,
            ethnicity=state.ethnicity,
            ethnicity_name=ETHNIC_GROUPS[state.ethnicity],
            citizen_id=state.person.citizen_id,
            commune_code=state.commune_code,
            province_code=state.province_code,
            priority_groups=[g.value for g in state.priority_groups],
            registered_on=state.registered_on,
        )


def registry(request: Request) -> Registry:
    app_registry: Registry = request.app.state.registry
    return app_registry


Context = Annotated[RequestContext, Depends(request_context)]
App = Annotated[Registry, Depends(registry)]


def command_context(ctx: RequestContext) -> CommandContext:
    return CommandContext(
        principal=ctx.principal,
        correlation_id=ctx.correlation_id,
        traceparent=ctx.traceparent,
        idempotency_key=ctx.idempotency_key,
    )


@workers.post(
    "",
    status_code=201,
    response_model=WorkerCreated,
    summary="Register an outbound worker file",
    description="Opens a file for a citizen going to work abroad. Send an `Idempotency-Key` "
    "header to make retries safe: a repeated key returns the first answer.",
)
async def register_worker(body: RegisterWorker, ctx: Context, app: App) -> JSONResponse:
    result = await app.workers.register(body, command_context(ctx))
    headers = {
        "Location": f"/v1/workers/{result.body['id']}",
        "ETag": etag(int(result.body["version"])),
    }
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(result.body, status_code=result.status_code, headers=headers)


@workers.get("/{worker_id}", response_model=WorkerView, summary="A worker file's current state")
async def get_worker(worker_id: UUID, ctx: Context, app: App) -> JSONResponse:
    state = await app.workers.get(worker_id, ctx.principal)
    return JSONResponse(
        WorkerView.of(state).model_dump(mode="json"), headers={"ETag": etag(state.version)}
    )


def create_app_with(common: CommonSettings, own: RegistrySettings) -> FastAPI:
    def build(app: FastAPI, pool: asyncpg.Pool) -> None:
        app.state.registry = bootstrap(PostgresEventStore(pool, own.schema_name))

    return service_app(
        service="registry",
        common=common,
        routers=[workers],
        version=VERSION,
        description="Outbound workers (người lao động đi làm việc ở nước ngoài) and their loans.",
        on_pool=build,
    )


def create_app_from_env() -> FastAPI:
    return create_app_with(CommonSettings(), RegistrySettings())
