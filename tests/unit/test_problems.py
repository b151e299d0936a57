"""Every error leaves the API as an RFC 9457 problem detail, naming fields, never values."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, field_validator

from lmis_shared.auth import Principal, Role
from lmis_shared.errors import ConcurrencyConflict, InvalidTransition, NotFound, PreconditionFailed
from lmis_shared.settings import CommonSettings
from lmis_shared.telemetry import setup_telemetry
from lmis_shared.web import Context, ProblemMapping, create_app
from lmis_shared.web.fields import field_errors
from lmis_shared.web.uploads import received_file

CITIZEN_ID = "012198001234"
PROBLEM_JSON = "application/problem+json"


class FakeAuthenticator:
    """Any token is officer-1 of Lai Châu: these tests are about errors, not tokens."""

    async def authenticate(self, token: str) -> Principal:
        return Principal("officer-1", Role.PROVINCE_OFFICER, "12")


class WorkerBody(BaseModel):
    citizen_id: str = Field(pattern=r"^\d{12}$")
    full_name: str = Field(min_length=2)
    priority_groups: list[str] = []

    @field_validator("full_name")
    @classmethod
    def no_digits(cls, value: str) -> str:
        if any(c.isdigit() for c in value):
            raise ValueError(f"{value} contains digits")  # a careless message, on purpose
        return value


class FileClosed(Exception):
    """A service's own error, mapped in its one ProblemMapping."""

    def __init__(self, closed_on: str) -> None:
        super().__init__("the file is closed")
        self.closed_on = closed_on


router = APIRouter(prefix="/v1")


@router.post("/workers", status_code=201)
async def register(body: WorkerBody) -> dict[str, str]:
    return {"status": "registered"}


@router.post("/workers/{worker_id}/departure")
async def depart(worker_id: str, ctx: Context) -> None:
    if worker_id == "closed":
        raise FileClosed("2026-01-02")
    if worker_id == "stale":
        raise PreconditionFailed(expected=ctx.if_match or 0, actual=5)
    if worker_id == "raced":
        raise ConcurrencyConflict(expected=4, actual=5)
    if worker_id == "missing":
        raise NotFound("worker file", worker_id)
    raise InvalidTransition("returned", ["RecordDeparture"], command="RecordReturn")


@router.post("/imports")
async def upload(request: Request) -> None:
    async with received_file(request, max_bytes=1024):
        pass


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError(f"lookup failed for {CITIZEN_ID}")


@pytest.fixture(scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    settings = CommonSettings(data_dir=tmp_path_factory.mktemp("problems"), otel_exporter="none")
    problems = ProblemMapping()
    problems.register(
        FileClosed,
        status=409,
        type="file-closed",
        title="The worker file is closed",
        title_vi="Hồ sơ đã đóng",
        extensions=lambda error: {"closed_on": error.closed_on},
    )
    app = create_app(
        service="demo",
        settings=settings,
        routers=[router],
        readiness_checks={},
        authenticator=FakeAuthenticator(),
        version="test",
        problems=problems,
        tracer_provider=setup_telemetry("demo", settings, set_global=False),
    )
    transport = httpx.ASGITransport(app)
    headers = {"Authorization": "Bearer anything"}
    async with httpx.AsyncClient(transport=transport, base_url="http://demo", headers=headers) as c:
        yield c


async def test_a_validation_error_names_the_field_and_does_not_echo_the_value(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/workers", json={"citizen_id": "01219800123", "full_name": "Lò Thị Mai 2"}
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["title"] == "Invalid data"
    assert problem["title_vi"] == "Dữ liệu không hợp lệ"
    assert [e["field"] for e in problem["errors"]] == ["body.citizen_id", "body.full_name"]
    assert "01219800123" not in response.text
    assert "Mai" not in response.text


async def test_a_missing_body_is_named_as_the_body(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/workers")

    assert response.json()["errors"] == [{"field": "body", "message": "Field required"}]


async def test_an_unknown_route_is_a_problem_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nowhere")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["title_vi"] == "Không tìm thấy"


async def test_a_wrong_method_is_a_problem_405(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/workers")

    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["allow"] == "POST"


async def test_an_upload_over_its_limit_has_the_same_problem_type_as_a_json_body_over_its_limit(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/imports", content=b"x" * 2048)

    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"] == "urn:lmis:problem:content-too-large"
    assert response.json()["detail"] == "the file is larger than 1024 bytes"


async def test_a_refused_transition_says_what_is_allowed(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/workers/w1/departure")

    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "urn:lmis:problem:invalid-transition"
    assert problem["current_state"] == "returned"
    assert problem["allowed_commands"] == ["RecordDeparture"]


@pytest.mark.parametrize(
    ("worker_id", "status", "problem_type"),
    [
        ("stale", 412, "precondition-failed"),
        ("raced", 409, "concurrency-conflict"),
        ("missing", 404, "not-found"),
    ],
)
async def test_shared_domain_errors_have_their_status(
    client: httpx.AsyncClient, worker_id: str, status: int, problem_type: str
) -> None:
    response = await client.post(f"/v1/workers/{worker_id}/departure", headers={"If-Match": '"4"'})

    assert response.status_code == status
    assert response.json()["type"] == f"urn:lmis:problem:{problem_type}"


async def test_a_service_error_is_mapped_in_its_one_problem_mapping(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/workers/closed/departure")

    assert response.status_code == 409
    assert response.json()["title_vi"] == "Hồ sơ đã đóng"
    assert response.json()["closed_on"] == "2026-01-02"


async def test_a_malformed_if_match_is_a_validation_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/workers/w1/departure", headers={"If-Match": "latest"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "header.If-Match"


async def test_an_unexpected_error_is_a_generic_500_with_a_trace_id(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/boom")

    assert response.status_code == 500
    problem = response.json()
    assert len(problem["trace_id"]) == 32
    assert CITIZEN_ID not in response.text
    assert "RuntimeError" not in response.text


def test_field_messages_never_quote_the_submitted_value() -> None:
    raw = [
        {
            "loc": ("body", "contacts", 0, "phone"),
            "msg": "Value error, 0912345678 is not a phone number",
            "input": "0912345678",
        }
    ]

    assert field_errors(raw) == [
        {
            "field": "body.contacts.0.phone",
            "message": "Value error, [REDACTED] is not a phone number",
        }
    ]
