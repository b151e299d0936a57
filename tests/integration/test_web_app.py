"""A tiny service built with `create_app`: auth, scope, health, traces and logs end to end.

The readiness check and the lifespan use the real PostgreSQL; tokens are real RS256 tokens.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import structlog
from fastapi import APIRouter, FastAPI
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel, Field

from lmis_cli.embedded import free_port
from lmis_shared.auth import Authorizer, JwtAuthenticator, ensure_local_keypair, issue_token
from lmis_shared.clock import FixedClock
from lmis_shared.errors import NotFound
from lmis_shared.logging import get_logger
from lmis_shared.settings import CommonSettings
from lmis_shared.telemetry import setup_telemetry
from lmis_shared.web import Context, create_app

pytestmark = pytest.mark.integration

ISSUER, AUDIENCE = "lmis-test", "lmis"
CITIZEN_ID = "012198001234"
WORKER_IN_03637, WORKER_IN_03640 = uuid.uuid4(), uuid.uuid4()
COMMUNE_OF = {WORKER_IN_03637: "03637", WORKER_IN_03640: "03640"}  # both in Lai Châu (12)

policy = Authorizer()
log = get_logger("demo")
router = APIRouter(prefix="/v1", tags=["workers"])


class Registration(BaseModel):
    citizen_id: str = Field(pattern=r"^\d{12}$")
    commune_code: str


@router.get("/workers/{worker_id}")
async def read_worker(worker_id: uuid.UUID, ctx: Context) -> dict[str, str]:
    commune = COMMUNE_OF.get(worker_id)
    if commune is None:
        raise NotFound("worker file", str(worker_id))
    policy.check(ctx.principal, "read", commune, "worker")
    return {"worker_id": str(worker_id), "commune_code": commune}


@router.get("/workers")
async def search(q: str, ctx: Context) -> dict[str, int]:
    return {"matches": 0}


@router.post("/workers", status_code=201)
async def register(body: Registration, ctx: Context) -> dict[str, Any]:
    log.info("worker registered", citizen_id=body.citizen_id, note=f"id {body.citizen_id}")
    return {
        "correlation_id": str(ctx.correlation_id),
        "idempotency_key": ctx.idempotency_key,
        "if_match": ctx.if_match,
        "traceparent": ctx.traceparent,
    }


@dataclass
class Demo:
    client: httpx.AsyncClient
    app: FastAPI
    provider: TracerProvider
    traces: Path
    private_key: Path

    def token(self, **overrides: Any) -> str:
        claims: dict[str, Any] = {
            "subject": "officer-7",
            "role": "commune_officer",
            "scope": "03637",
            "issuer": ISSUER,
            "audience": AUDIENCE,
            "ttl": timedelta(minutes=5),
        }
        return issue_token(self.private_key, **(claims | overrides))

    def auth(self, **overrides: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(**overrides)}"}

    def spans(self) -> list[dict[str, Any]]:
        self.provider.force_flush()
        return [json.loads(line) for line in self.traces.read_text().splitlines()]


@pytest.fixture(scope="module")
def keep_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level
    structlog.reset_defaults()


@pytest.fixture(scope="module")
async def demo(
    tmp_path_factory: pytest.TempPathFactory, database_url: str, keep_root_logging: None
) -> AsyncIterator[Demo]:
    data_dir = tmp_path_factory.mktemp("web")
    private, public = ensure_local_keypair(data_dir / "keys")
    settings = CommonSettings(data_dir=data_dir, otel_exporter="jsonl", log_level="INFO")
    provider = setup_telemetry("demo", settings, set_global=False)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Built here, not at import; the check that needs it is added once it exists.
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
        assert pool is not None

        async def database() -> None:
            await pool.fetchval("select 1")

        app.state.readiness_checks["database"] = database
        yield
        await pool.close()

    app = create_app(
        service="demo",
        settings=settings,
        routers=[router],
        readiness_checks={},
        authenticator=JwtAuthenticator.from_public_key_file(
            public, issuer=ISSUER, audience=AUDIENCE
        ),
        version="1.2.3",
        lifespan=lifespan,
        tracer_provider=provider,
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://demo") as client,
    ):
        yield Demo(client, app, provider, settings.traces_dir / "demo.jsonl", private)
    provider.shutdown()


# --- health -------------------------------------------------------------------------------


async def test_healthz_answers_without_a_token(demo: Demo) -> None:
    response = await demo.client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "demo", "version": "1.2.3"}


async def test_readyz_is_ready_when_the_real_database_answers(demo: Demo) -> None:
    response = await demo.client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok"}


async def unreachable() -> None:  # nothing listens on a fresh free port
    _, writer = await asyncio.open_connection("127.0.0.1", free_port())
    writer.close()


async def readyz_with_failing(demo: Demo, checks: dict[str, Any], name: str) -> httpx.Response:
    """`/readyz` while the check `name` (one of the app's `checks`) fails, and only then."""
    checks[name] = unreachable
    try:
        return await demo.client.get("/readyz")
    finally:
        del checks[name]


async def test_readyz_is_a_503_problem_naming_the_failing_required_check(demo: Demo) -> None:
    response = await readyz_with_failing(demo, demo.app.state.readiness_checks, "search_index")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["failing_checks"] == ["search_index"]
    assert response.json()["checks"] == {"database": "ok", "search_index": "failing"}


async def test_readyz_stays_ready_when_only_a_reported_dependency_fails(demo: Demo) -> None:
    """A broker outage leaves the API in service: commands need PostgreSQL only."""
    response = await readyz_with_failing(demo, demo.app.state.reported_checks, "broker")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "broker": "failing"},
        "degraded": ["broker"],
    }


async def test_docs_stay_public_and_declare_bearer_auth(demo: Demo) -> None:
    spec = (await demo.client.get("/openapi.json")).json()

    assert spec["info"]["title"] == "LMIS demo API"
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert (await demo.client.get("/docs")).status_code == 200


# --- authentication -----------------------------------------------------------------------


async def test_a_request_without_a_token_gets_a_bearer_challenge(demo: Demo) -> None:
    response = await demo.client.get(f"/v1/workers/{WORKER_IN_03637}")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="lmis"'
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_token_signed_by_another_key_is_401(demo: Demo, tmp_path: Path) -> None:
    stranger, _ = ensure_local_keypair(tmp_path)
    forged = issue_token(
        stranger,
        subject="officer-7",
        role="admin",
        scope="12",
        issuer=ISSUER,
        audience=AUDIENCE,
        ttl=timedelta(minutes=5),
    )

    response = await demo.client.get(
        f"/v1/workers/{WORKER_IN_03637}", headers={"Authorization": f"Bearer {forged}"}
    )

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_an_expired_token_is_401(demo: Demo) -> None:
    yesterday = FixedClock(datetime.now(UTC) - timedelta(days=1))

    response = await demo.client.get(
        f"/v1/workers/{WORKER_IN_03637}", headers=demo.auth(clock=yesterday)
    )

    assert response.status_code == 401
    assert response.json()["detail"] == "the token has expired"


async def test_a_token_for_another_audience_is_401(demo: Demo) -> None:
    response = await demo.client.get(
        f"/v1/workers/{WORKER_IN_03637}", headers=demo.auth(audience="another-system")
    )

    assert response.status_code == 401


# --- authorisation ------------------------------------------------------------------------


async def test_a_commune_officer_reads_a_worker_of_their_commune(demo: Demo) -> None:
    response = await demo.client.get(f"/v1/workers/{WORKER_IN_03637}", headers=demo.auth())

    assert response.status_code == 200


async def test_a_commune_officer_reading_another_communes_worker_is_403(demo: Demo) -> None:
    response = await demo.client.get(f"/v1/workers/{WORKER_IN_03640}", headers=demo.auth())

    assert response.status_code == 403
    assert response.json()["title_vi"] == "Không có quyền truy cập"


async def test_a_province_officer_reads_every_commune_of_the_province(demo: Demo) -> None:
    officer = demo.auth(role="province_officer", scope="12")

    response = await demo.client.get(f"/v1/workers/{WORKER_IN_03640}", headers=officer)

    assert response.status_code == 200


# --- request context, traces and logs -----------------------------------------------------


async def test_routes_get_correlation_idempotency_and_version_from_headers(demo: Demo) -> None:
    correlation_id = str(uuid.uuid4())
    headers = demo.auth() | {
        "X-Correlation-ID": correlation_id,
        "Idempotency-Key": "register-42",
        "If-Match": '"7"',
    }

    response = await demo.client.post(
        "/v1/workers", json={"citizen_id": CITIZEN_ID, "commune_code": "03637"}, headers=headers
    )

    assert response.status_code == 201
    assert response.headers["x-correlation-id"] == correlation_id
    body = response.json()
    assert body["correlation_id"] == correlation_id
    assert body["idempotency_key"] == "register-42"
    assert body["if_match"] == 7


async def test_a_request_without_correlation_id_gets_a_new_one(demo: Demo) -> None:
    response = await demo.client.get("/v1/nowhere", headers={"X-Correlation-ID": "not-a-uuid"})

    assert uuid.UUID(response.headers["x-correlation-id"])
    assert "not-a-uuid" not in response.text


async def test_the_request_span_is_written_to_jsonl_with_the_callers_trace_id(
    demo: Demo,
) -> None:
    trace_id, parent_id = uuid.uuid4().hex, uuid.uuid4().hex[:16]
    headers = demo.auth() | {"traceparent": f"00-{trace_id}-{parent_id}-01"}

    await demo.client.get(f"/v1/workers/{WORKER_IN_03637}", headers=headers)

    [span] = [s for s in demo.spans() if s["trace_id"] == trace_id]
    assert span["name"] == "GET /v1/workers/{worker_id}"
    assert span["kind"] == "SERVER"
    assert span["parent_span_id"] == parent_id
    assert span["service"] == "lmis-demo"
    assert span["attributes"]["http.response.status_code"] == 200  # stable conventions


async def test_query_values_never_reach_the_span(demo: Demo) -> None:
    trace_id = uuid.uuid4().hex
    headers = demo.auth() | {"traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"}

    await demo.client.get("/v1/workers", params={"q": "Lò Thị Mai"}, headers=headers)

    [span] = [s for s in demo.spans() if s["trace_id"] == trace_id]
    assert "Mai" not in json.dumps(span, ensure_ascii=False)
    assert span["attributes"]["http.target"] == "/v1/workers?q=[REDACTED]"


async def test_health_probes_are_not_traced(demo: Demo) -> None:
    await demo.client.get("/healthz")

    assert not [s for s in demo.spans() if s["attributes"].get("url.path") == "/healthz"]


async def test_a_log_line_in_a_request_carries_its_trace_and_redacts_the_citizen_id(
    demo: Demo, capsys: pytest.CaptureFixture[str]
) -> None:
    response = await demo.client.post(
        "/v1/workers", json={"citizen_id": CITIZEN_ID, "commune_code": "03637"}, headers=demo.auth()
    )

    output = capsys.readouterr().out
    [line] = [json.loads(x) for x in output.splitlines() if "worker registered" in x]
    assert line["trace_id"] == response.json()["traceparent"].split("-")[1]
    assert line["correlation_id"] == response.headers["x-correlation-id"]
    assert line["subject"] == "officer-7"
    assert CITIZEN_ID not in output
