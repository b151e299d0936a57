"""The permits service's HTTP API (foreign workers in the province). Routes come with its issue."""

from __future__ import annotations

import asyncpg
from fastapi import FastAPI

from lmis_shared.eventstore import PostgresEventStore
from lmis_shared.settings import CommonSettings
from lmis_shared.web.service import service_app

VERSION = "0.1.0"
SCHEMA = "permits"


def create_app_from_env() -> FastAPI:
    def build(app: FastAPI, pool: asyncpg.Pool) -> None:
        app.state.store = PostgresEventStore(pool, SCHEMA)

    return service_app(
        service="permits",
        common=CommonSettings(),
        routers=[],
        version=VERSION,
        description="Foreign workers in the province (người lao động nước ngoài): "
        "employer demand, work permits, exemptions.",
        on_pool=build,
    )
