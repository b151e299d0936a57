"""The registry's app on the real PostgreSQL, for the registry's API tests (worker files,
loans, imports, rebuild).

Each test gets its own schema; the app's clock stands at `NOW`, so the dates in these tests
mean the same whenever they run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import asyncpg
import httpx
from fastapi import FastAPI

from lmis_registry.bootstrap import migrate
from lmis_registry.entrypoints.http import create_app
from lmis_registry.settings import RegistrySettings
from lmis_shared.clock import FixedClock
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.privacy.personal import PersonalData
from lmis_shared.privacy.postgres import personal_data
from lmis_shared.settings import CommonSettings
from tests.integration.apps import app_client, signed_settings, signed_token
from tests.unit.worker_examples import PERSON, SIGN_CONTRACT

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@dataclass
class Api:
    commands: ClassVar[str] = "/v1/workers"
    """Where `command` posts: `<commands>/<id>/<name>`."""

    app: FastAPI
    client: httpx.AsyncClient
    private_key: Path
    store: PostgresEventStore
    pool: asyncpg.Pool
    schema: str

    tokens: dict[tuple[str, str], str] = field(default_factory=dict)
    common: CommonSettings = field(default_factory=CommonSettings)

    @property
    def personal(self) -> PersonalData:
        """The app's sealing of personal data (its master key, its schema's data keys)."""
        return personal_data(RegistrySettings(schema_name=self.schema), self.common)

    def token(self, role: str = "province_officer", scope: str = "12") -> str:
        # signing costs tens of milliseconds: one token per role and scope is enough
        if (role, scope) not in self.tokens:
            self.tokens[role, scope] = signed_token(self.private_key, role, scope)
        return self.tokens[role, scope]

    def auth(self, role: str = "province_officer", scope: str = "12") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, scope)}"}

    async def count(self, table: str) -> int:
        return int(await self.pool.fetchval(f'select count(*) from "{self.schema}".{table}'))

    async def register(self, headers: dict[str, str] | None = None, **changes: Any) -> str:
        created = await self.client.post(
            "/v1/workers", json=worker(**changes), headers=headers or self.auth()
        )
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    async def register_sender(self, body: dict[str, Any]) -> str:
        """Enter a sending organisation in the register (as the province's department)."""
        created = await self.client.post(
            "/v1/sending-organisations", json=body, headers=self.auth()
        )
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    async def command(
        self, target: str, name: str, body: dict[str, Any] | None, **headers: str
    ) -> httpx.Response:
        return await self.client.post(
            f"{self.commands}/{target}/{name}", json=body, headers=self.auth() | headers
        )

    async def run(self, worker_id: str, *steps: tuple[str, dict[str, Any]]) -> None:
        for name, body in steps:
            response = await self.command(worker_id, name, body)
            assert response.status_code == 200, response.text


@asynccontextmanager
async def running_api(
    tmp_path: Path,
    database_url: str,
    schema: str,
    pool: asyncpg.Pool,
    api: type[Api] = Api,
    **settings: Any,
) -> AsyncIterator[Api]:
    """The registry's whole app in `schema`, and a client of it (`api`: which helpers;
    `settings`: the registry's beyond its schema)."""
    await migrate(pool, schema)
    common, private = signed_settings(database_url, tmp_path)
    registry = RegistrySettings(schema_name=schema, **settings)
    app = create_app(common, registry, clock=FixedClock(NOW))
    async with app_client(app, "http://registry") as c:
        yield api(app, c, private, PostgresEventStore(pool, schema), pool, schema, common=common)


def worker(**changes: Any) -> dict[str, Any]:
    return PERSON | {"registered_on": "2026-11-02"} | changes


SONA = {
    "kind": "licensed_enterprise",
    "name": "Công ty Cổ phần Nhân lực Sona",
    "licence_number": "123/LĐTBXH-GP",
    "markets": ["JP", "KR", "TW"],
}
SIGN_THROUGH_SONA = SIGN_CONTRACT | {
    "sending_organisation": {
        "kind": "licensed_enterprise",
        "name": SONA["name"],
        "licence_number": SONA["licence_number"],
    }
}
"""A contract through a licensed enterprise: enter `SONA` in the register first."""
DEPART = {"departure_date": "2021-08-28", "border_gate": "Nội Bài"}
RETURN = {"return_date": "2024-09-03", "reason": "contract_completed"}
