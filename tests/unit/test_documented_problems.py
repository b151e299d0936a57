"""Every operation of the four APIs documents the problems the edge may answer, so a client
(and the fuzzer's schema conformance) knows them: 503 with `Retry-After` (PostgreSQL away),
429 with `Retry-After` (rate limits), 413 (bodies), and 409/412 on writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lmis_cli.services import SERVICES, load
from lmis_shared.auth import ensure_local_keypair

_PUBLIC = {"/healthz", "/readyz", "/docs", "/openapi.json"}
_WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    data_dir: Path = tmp_path_factory.mktemp("openapi")
    ensure_local_keypair(data_dir / "keys")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LMIS_OTEL_EXPORTER", "none")
        env.setenv("LMIS_DATA_DIR", str(data_dir))
        # building an app connects to nothing: the pool is made in its lifespan
        return {name: load(d.app)().openapi() for name, d in SERVICES.items()}


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if path not in _PUBLIC
    ]


def test_all_four_services_are_documented(documents: dict[str, dict[str, Any]]) -> None:
    assert set(documents) == {"registry", "permits", "reporting", "notify"}
    assert all(len(_operations(d)) > 5 for d in documents.values())


@pytest.mark.parametrize("status", ["503", "429"])
def test_every_operation_documents_its_retry_after_answers(
    documents: dict[str, dict[str, Any]], status: str
) -> None:
    missing = [
        f"{service} {method.upper()} {path}"
        for service, document in documents.items()
        for path, method, operation in _operations(document)
        if "Retry-After" not in operation["responses"].get(status, {}).get("headers", {})
        or "application/problem+json" not in operation["responses"][status].get("content", {})
    ]
    assert missing == []


def test_every_operation_documents_the_body_limit_and_writes_their_conflicts(
    documents: dict[str, dict[str, Any]],
) -> None:
    missing = [
        f"{service} {method.upper()} {path} {status}"
        for service, document in documents.items()
        for path, method, operation in _operations(document)
        for status in ("413", *(("409", "412") if method in _WRITES else ()))
        if status not in operation["responses"]
    ]
    assert missing == []


def test_readiness_documents_its_503(documents: dict[str, dict[str, Any]]) -> None:
    assert all("503" in d["paths"]["/readyz"]["get"]["responses"] for d in documents.values())
