"""The registry's HTTP API on the real PostgreSQL: register a worker file, read it back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from lmis_registry.bootstrap import migrate
from lmis_registry.entrypoints.http import create_app_with
from lmis_registry.settings import RegistrySettings
from lmis_shared.auth import ensure_local_keypair, issue_token
from lmis_shared.eventstore import PostgresEventStore
from lmis_shared.settings import CommonSettings

pytestmark = pytest.mark.integration


@dataclass
class Api:
    client: httpx.AsyncClient
    private_key: Path
    store: PostgresEventStore

    def auth(self, role: str = "province_officer", scope: str = "12") -> dict[str, str]:
        token = issue_token(
            self.private_key,
            subject="officer-1",
            role=role,
            scope=scope,
            issuer="lmis-test",
            audience="lmis",
            ttl=timedelta(minutes=5),
        )
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def api(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> AsyncIterator[Api]:
    private, public = ensure_local_keypair(tmp_path / "keys")
    await migrate(pg_pool, fresh_schema)
    common = CommonSettings(
        database_url=database_url,
        data_dir=tmp_path,
        otel_exporter="none",
        jwt_public_key_file=public,
        jwt_issuer="lmis-test",
        jwt_audience="lmis",
    )
    app = create_app_with(common, RegistrySettings(schema_name=fresh_schema))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://registry") as c,
    ):
        yield Api(c, private, PostgresEventStore(pg_pool, fresh_schema))


def worker(**changes: Any) -> dict[str, Any]:
    return {
        "full_name": "Lò Thị Mai",
        "date_of_birth": "1998-04-12",
        "sex": "female",
        "ethnicity": "Thái",
        "citizen_id": "012198001234",
        "commune_code": "03637",
        "priority_groups": ["ethnic_minority"],
        "registered_on": "2026-11-02",
    } | changes


async def test_a_registered_worker_file_reads_back_as_registered(api: Api) -> None:
    created = await api.client.post("/v1/workers", json=worker(), headers=api.auth())
    assert created.status_code == 201, created.text
    worker_id = created.json()["id"]
    assert created.headers["Location"] == f"/v1/workers/{worker_id}"

    fetched = await api.client.get(f"/v1/workers/{worker_id}", headers=api.auth())
    assert fetched.status_code == 200
    body = fetched.json()
    assert (body["status"], body["version"], body["full_name"]) == ("registered", 1, "Lò Thị Mai")
    assert (body["ethnicity"], body["province_code"]) == ("03", "12")
    assert fetched.headers["ETag"] == '"1"'


async def test_an_invalid_field_is_a_problem_naming_the_field_without_echoing_it(api: Api) -> None:
    response = await api.client.post(
        "/v1/workers", json=worker(citizen_id="999198001234"), headers=api.auth()
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["body.citizen_id"]
    assert "999198001234" not in response.text


async def test_a_repeated_idempotency_key_returns_the_first_answer_and_appends_nothing(
    api: Api,
) -> None:
    headers = api.auth() | {"Idempotency-Key": "import-row-17"}
    first = await api.client.post("/v1/workers", json=worker(), headers=headers)
    again = await api.client.post("/v1/workers", json=worker(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(await api.store.read_all(None)) == 1


async def test_an_idempotency_key_reused_for_another_request_is_refused(api: Api) -> None:
    headers = api.auth() | {"Idempotency-Key": "import-row-18"}
    await api.client.post("/v1/workers", json=worker(), headers=headers)
    other = await api.client.post("/v1/workers", json=worker(commune_code="03640"), headers=headers)
    assert other.status_code == 422
    assert [e["field"] for e in other.json()["errors"]] == ["header.Idempotency-Key"]
    assert len(await api.store.read_all(None)) == 1


async def test_a_commune_officer_works_only_on_files_of_that_commune(api: Api) -> None:
    own = api.auth(role="commune_officer", scope="03637")
    other = api.auth(role="commune_officer", scope="03640")
    created = await api.client.post("/v1/workers", json=worker(), headers=own)
    assert created.status_code == 201
    refused = await api.client.post("/v1/workers", json=worker(), headers=other)
    assert refused.status_code == 403
    worker_id = created.json()["id"]
    assert (await api.client.get(f"/v1/workers/{worker_id}", headers=other)).status_code == 403
    assert (await api.client.get(f"/v1/workers/{worker_id}", headers=own)).status_code == 200


async def test_a_bank_officer_cannot_register_workers(api: Api) -> None:
    response = await api.client.post("/v1/workers", json=worker(), headers=api.auth(role="bank"))
    assert response.status_code == 403


async def test_an_unknown_file_is_not_found_and_a_missing_token_is_unauthorised(api: Api) -> None:
    missing = UUID(int=7)
    assert (await api.client.get(f"/v1/workers/{missing}", headers=api.auth())).status_code == 404
    assert (await api.client.get(f"/v1/workers/{missing}")).status_code == 401
