"""The part of the platform the dashboard stands on, served over real HTTP on free ports for a
real browser: the registry, permits, notify and reporting apps (uvicorn, each in a thread) on
the test PostgreSQL, each in fresh schemas, trusting the tokens the test signs.

No broker here: `Platform.project()` applies the registry's events with the reporting
processor's own projection (`IndicatorProjection.process`, idempotent), which is what the
processor does with each batch it reads from Kafka. The clocks stand at `TODAY`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import asyncpg
import httpx

from lmis_notify import bootstrap as notify_bootstrap
from lmis_notify.entrypoints.http import create_app as notify_app
from lmis_notify.settings import NotifySettings
from lmis_permits import bootstrap as permits_bootstrap
from lmis_permits.entrypoints.http import create_app as permits_app
from lmis_permits.settings import PermitsSettings
from lmis_registry import bootstrap as registry_bootstrap
from lmis_registry.entrypoints.http import create_app as registry_app
from lmis_registry.settings import RegistrySettings
from lmis_reporting import bootstrap as reporting_bootstrap
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.entrypoints.http import create_app as reporting_app
from lmis_reporting.settings import ReportingSettings
from lmis_shared.auth import signin_link
from lmis_shared.clock import FixedClock
from lmis_shared.processing import all_events_in
from lmis_shared.processing.decoding import arrival
from tests.conftest import unique
from tests.integration.apps import AUDIENCE, ISSUER, served, signed_settings, signed_token

TODAY = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
T = TypeVar("T")


async def run(work: Callable[[asyncpg.Pool], Awaitable[T]], database_url: str) -> T:
    """`work` on a pool of its own."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        return await work(pool)
    finally:
        await pool.close()


@dataclass
class Platform:
    database_url: str
    private_key: Path
    schemas: dict[str, str]
    urls: dict[str, str] = field(default_factory=dict)
    workers: list[str] = field(default_factory=list)
    """The worker files the tests made, in the order they made them."""

    def token(self, role: str, scope: str) -> str:
        return signed_token(self.private_key, role, scope)

    def signin_link(self, role: str, scope: str) -> str:
        return signin_link(
            self.urls["reporting"],
            self.private_key,
            subject=f"{role}-{scope}",
            role=role,
            scope=scope,
            issuer=ISSUER,
            audience=AUDIENCE,
        )

    def client(
        self, service: str, role: str = "province_officer", scope: str = "12"
    ) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {self.token(role, scope)}"}
        return httpx.AsyncClient(base_url=self.urls[service], headers=headers, timeout=30)

    async def project(self) -> None:
        """The reporting processor's step: the registry's events through its projection."""

        async def apply(pool: asyncpg.Pool) -> None:
            projection = IndicatorProjection(pool, self.schemas["reporting"])
            events = [e async for e in all_events_in(pool, [self.schemas["registry"]])]
            # every event, those it does not apply too: they hold their streams' versions
            await projection.process([arrival(e, projection.event_types) for e in events])

        await run(apply, self.database_url)


@asynccontextmanager
async def running_platform(database_url: str, data_dir: Path) -> AsyncIterator[Platform]:
    services = ("registry", "permits", "notify", "reporting")
    schemas = {name: unique(f"t_dash_{name}") for name in services}

    async def migrate(pool: asyncpg.Pool) -> None:
        await registry_bootstrap.migrate(pool, schemas["registry"])
        await permits_bootstrap.migrate(pool, schemas["permits"])
        await notify_bootstrap.migrate(pool, schemas["notify"])
        await reporting_bootstrap.migrate(pool, schemas["reporting"])

    await run(migrate, database_url)
    common, private = signed_settings(database_url, data_dir)
    platform = Platform(database_url, private, schemas)
    clock = FixedClock(TODAY)
    apps = {
        "registry": registry_app(
            common, RegistrySettings(schema_name=schemas["registry"]), clock=clock
        ),
        "permits": permits_app(
            common, PermitsSettings(schema_name=schemas["permits"]), clock=clock
        ),
        "notify": notify_app(common, NotifySettings(schema_name=schemas["notify"]), clock=clock),
    }
    try:
        with ExitStack() as stack:
            urls = {name: stack.enter_context(served(app)) for name, app in apps.items()}
            reporting = ReportingSettings(
                schema_name=schemas["reporting"],
                registry_url=urls["registry"],
                permits_url=urls["permits"],
                notify_url=urls["notify"],
                refresh_seconds=1,
            )
            urls["reporting"] = stack.enter_context(
                served(reporting_app(common, reporting, clock=clock))
            )
            platform.urls.update(urls)
            yield platform
    finally:

        async def drop(pool: asyncpg.Pool) -> None:
            for schema in schemas.values():
                await pool.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

        await run(drop, database_url)
