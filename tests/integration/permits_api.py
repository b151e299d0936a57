"""The permits app on the test PostgreSQL, for the permits API, import and demo tests: its
schema migrated, its lifespan running, a client on it, and the private key of its tokens; and
the permits app beside the registry's, as the demo loader calls them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from lmis_permits.bootstrap import migrate
from lmis_permits.entrypoints.http import create_app
from lmis_permits.settings import PermitsSettings
from lmis_shared.clock import Clock, FixedClock
from tests.integration.apps import app_client, bearer, signed_settings
from tests.integration.worker_api import NOW, running_api


@dataclass
class RunningPermits:
    app: FastAPI
    client: httpx.AsyncClient
    private_key: Path


@asynccontextmanager
async def running_permits(
    tmp_path: Path,
    database_url: str,
    schema: str,
    pool: asyncpg.Pool,
    clock: Clock,
    **settings: Any,
) -> AsyncIterator[RunningPermits]:
    """`settings`: more `PermitsSettings` values than the schema."""
    await migrate(pool, schema)
    common, private = signed_settings(database_url, tmp_path)
    app = create_app(common, PermitsSettings(schema_name=schema, **settings), clock=clock)
    async with app_client(app, "http://permits") as c:
        yield RunningPermits(app, c, private)


@asynccontextmanager
async def demo_services(
    data_dir: Path, database_url: str, schemas: dict[str, str], pool: asyncpg.Pool
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """The registry and the permits apps, each in its schema of `schemas` (by service), at
    `NOW`, and their clients, calling as the demo loader (an admin of province 12) does."""
    async with (
        running_api(data_dir, database_url, schemas["registry"], pool) as registry,
        running_permits(
            data_dir, database_url, schemas["permits"], pool, FixedClock(NOW)
        ) as permits,
    ):
        auth = bearer(registry.private_key, "admin", "12", subject="demo-loader")
        for client in (registry.client, permits.client):
            client.headers.update(auth)
        yield {"registry": registry.client, "permits": permits.client}
