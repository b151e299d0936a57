"""`service_app`: a service's app with its database pool and readiness checks wired the same way
in all four services, so each service's `entrypoints/http.py` only names its routers and what it
builds from the pool."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any

import asyncpg
from fastapi import APIRouter, FastAPI

from lmis_shared.auth import authenticator_from_settings
from lmis_shared.background import in_background
from lmis_shared.clock import SystemClock
from lmis_shared.eventstore.postgres import PostgresEventStore, create_pool
from lmis_shared.settings import CommonSettings
from lmis_shared.web.app import create_app
from lmis_shared.web.health import ReadinessCheck
from lmis_shared.web.housekeeping import forget_expired_responses
from lmis_shared.web.problems import ProblemMapping
from lmis_shared.web.readiness import broker_check, database_check

OnPool = Callable[[FastAPI, asyncpg.Pool], None]
OnClose = Callable[[FastAPI], Awaitable[None]]


def service_app(
    *,
    service: str,
    common: CommonSettings,
    routers: Sequence[APIRouter],
    version: str,
    description: str,
    on_pool: OnPool,
    problems: ProblemMapping | None = None,
    event_store_schema: str | None = None,
    on_close: OnClose | None = None,
) -> FastAPI:
    """`on_pool(app, pool)` builds the service's objects (e.g. `app.state.registry = ...`);
    `event_store_schema`, where the service keeps its events, has its expired idempotency
    records cleared in the background (`lmis_shared.web.housekeeping`); `on_close(app)`
    releases what `on_pool` opened besides the pool (clients of other systems), at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        pool = await create_pool(common.database_dsn())
        built = False
        try:
            on_pool(app, pool)
            built = True
            app.state.readiness_checks["database"] = database_check(pool)
            async with _housekeeping(pool, event_store_schema, common):
                yield {}
        finally:
            try:
                if built and on_close is not None:
                    await on_close(app)
            finally:
                await pool.close()

    return create_app(
        service=service,
        settings=common,
        routers=routers,
        readiness_checks={},  # the database's is added once the pool exists
        # reported, not required: commands need PostgreSQL only (the event store is the outbox)
        reported_checks=_broker_reported(common),
        authenticator=authenticator_from_settings(common),
        version=version,
        lifespan=lifespan,
        problems=problems,
        description=description,
    )


def _housekeeping(
    pool: asyncpg.Pool, schema: str | None, common: CommonSettings
) -> AbstractAsyncContextManager[None]:
    if schema is None:
        return nullcontext()
    store = PostgresEventStore(pool, schema)
    return in_background(forget_expired_responses(store, SystemClock(), common.idempotency_ttl()))


def _broker_reported(common: CommonSettings) -> dict[str, ReadinessCheck]:
    """The broker, where the API may ask it: embedded mode's open listener, or a login of its
    own. In production the APIs have no Kafka user (they never touch Kafka) and report nothing:
    relay lag is what tells that Kafka is away."""
    login = common.kafka_login()
    if common.mode != "embedded" and login is None:
        return {}
    return {"broker": broker_check(common.kafka_bootstrap, login)}
