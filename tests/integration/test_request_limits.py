"""What the edge refuses before a route runs, on the registry's real app and PostgreSQL: NUL
and lone surrogates (422 naming the field, never a 500), bodies over the limit (413), writes
past a caller's rate (429 with Retry-After), a token whose scope is not of its role's level
(401), and history a page at a time."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import jwt
import pytest

from lmis_registry.bootstrap import migrate
from lmis_registry.entrypoints.http import create_app
from lmis_registry.settings import RegistrySettings
from lmis_shared.auth.keys import _load_private_key
from lmis_shared.clock import FixedClock
from tests.integration.apps import AUDIENCE, ISSUER, app_client, bearer, signed_settings
from tests.integration.worker_api import NOW, worker
from tests.problems import assert_invalid

pytestmark = pytest.mark.integration

LIMIT = 4096


@dataclass
class Limited:
    client: httpx.AsyncClient
    auth: dict[str, str]
    private: Path

    def __iter__(self) -> Iterator[Any]:
        return iter((self.client, self.auth, self.private))


@pytest.fixture
async def limited(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> AsyncIterator[Limited]:
    """The registry with a small body limit and a burst of three writes a caller."""
    await migrate(pg_pool, fresh_schema)
    common, private = signed_settings(database_url, tmp_path)
    common = common.model_copy(
        update={"max_json_body_bytes": LIMIT, "write_burst": 3, "write_rate_per_minute": 1.0}
    )
    app = create_app(common, RegistrySettings(schema_name=fresh_schema), clock=FixedClock(NOW))
    async with app_client(app, "http://registry") as client:
        yield Limited(client, bearer(private, "province_officer", "12"), private)


async def test_nul_in_a_query_parameter_is_a_422_naming_it(limited: Limited) -> None:
    client, auth, _ = limited
    response = await client.get("/v1/workers", params={"commune": "\x00D"}, headers=auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["query.commune"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"full_name": "Nguy\\u0000n"}', "body.full_name"),
        (b'{"address": {"village": "\\ud800"}}', "body.address.village"),
        (b'{"full_name": "\\udfff x"}', "body.full_name"),
    ],
)
async def test_nul_or_a_lone_surrogate_in_a_json_string_is_a_422_naming_it(
    limited: Limited,
    raw: bytes,
    field: str,
) -> None:
    client, auth, _ = limited
    response = await client.post(
        "/v1/workers", content=raw, headers=auth | {"Content-Type": "application/json"}
    )
    assert_invalid(response, field)
    assert "Nguy" not in response.text


async def test_a_paired_surrogate_escape_is_a_character_like_any_other(
    limited: Limited,
) -> None:
    client, auth, _ = limited
    escaped = json.dumps(worker(full_name="Nguyễn Văn An 😀"), ensure_ascii=True).encode()
    assert b"\\ud83d\\ude00" in escaped
    response = await client.post(
        "/v1/workers", content=escaped, headers=auth | {"Content-Type": "application/json"}
    )
    assert response.status_code < 500
    assert "NUL" not in response.text


async def test_a_body_over_the_limit_is_a_413_before_it_is_read(limited: Limited) -> None:
    client, auth, _ = limited
    huge = worker(notes="x" * (LIMIT + 1))
    response = await client.post("/v1/workers", json=huge, headers=auth)
    assert response.status_code == 413
    assert response.json()["type"] == "urn:lmis:problem:content-too-large"

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
        for _ in range(LIMIT // 512 + 2):
            yield b" " * 512

    chunked = await client.post(
        "/v1/workers", content=streamed(), headers=auth | {"Content-Type": "application/json"}
    )
    assert chunked.status_code == 413


async def test_writes_past_the_callers_rate_are_429_with_retry_after(limited: Limited) -> None:
    client, auth, private = limited
    answers = [
        (await client.post("/v1/workers", json=worker(), headers=auth)).status_code
        for _ in range(4)
    ]
    assert answers[:3] != [429] * 3
    assert answers[3] == 429
    refused = await client.post("/v1/workers", json=worker(), headers=auth)
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["type"] == "urn:lmis:problem:rate-limited"
    another = bearer(private, "province_officer", "12", subject="officer-2")
    assert (await client.post("/v1/workers", json=worker(), headers=another)).status_code != 429
    assert (await client.get("/v1/workers", headers=auth)).status_code == 200  # reads are free


async def test_a_commune_role_scoped_to_a_province_is_refused_at_authentication(
    limited: Limited,
) -> None:
    client, _, private = limited
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "o-1", "role": "commune_officer"}
    forged = jwt.encode(
        {**claims, "scope": "12", "iat": NOW, "exp": NOW.replace(year=2099)},
        _load_private_key(private),
        algorithm="RS256",
    )
    response = await client.get("/v1/workers", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert "level" in response.json()["detail"]
