"""The permits app on the test PostgreSQL, for the permits API, import and demo tests: its
schema migrated, its lifespan running, a client on it, and the private key of its tokens."""

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
from lmis_shared.auth import ensure_local_keypair
from lmis_shared.clock import Clock
from lmis_shared.settings import CommonSettings


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
    private, public = ensure_local_keypair(tmp_path / "keys")
    await migrate(pool, schema)
    common = CommonSettings(
        database_url=database_url,
        data_dir=tmp_path,
        otel_exporter="none",
        jwt_public_key_file=public,
        jwt_issuer="lmis-test",
        jwt_audience="lmis",
    )
    app = create_app(common, PermitsSettings(schema_name=schema, **settings), clock=clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://permits") as c,
    ):
        yield RunningPermits(app, c, private)
