"""The notify service's HTTP API (alerts and agency subscriptions). Routes come with its issue."""

from __future__ import annotations

import asyncpg
from fastapi import FastAPI

from lmis_shared.eventstore import PostgresEventStore
from lmis_shared.settings import CommonSettings
from lmis_shared.web.service import service_app

VERSION = "0.1.0"
SCHEMA = "notify"


def create_app_from_env() -> FastAPI:
    def build(app: FastAPI, pool: asyncpg.Pool) -> None:
        app.state.store = PostgresEventStore(pool, SCHEMA)

    return service_app(
        service="notify",
        common=CommonSettings(),
        routers=[],
        version=VERSION,
        description="Alerts (cảnh báo) and agency subscriptions: "
        "permits expiring, overdue returns, overdue loans, late reports.",
        on_pool=build,
    )
