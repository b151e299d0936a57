"""The problems every route may answer, documented on each operation so that a client (and
the fuzzer, which holds the APIs to their documents) knows them:
  * on every write, a refused transition or a lost race (409) and a stale `If-Match` (412);
    operations that describe these more precisely for their kind of object
    (`command_responses`) keep their own words;
  * on every operation behind the bearer-token gate, 503 with `Retry-After` (PostgreSQL
    cannot be reached just now, `web/outages.py`; an import's own 503 keeps its words) and
    the `Retry-After` header of the 429 the rate limits answer (`web/rates.py`);
  * `/readyz`'s 503 (not ready), which names the failing checks.

Done on the OpenAPI document rather than the routes: the framework includes routers as they
are, so a route of a service's router is the one place its own words live."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

_WRITES = ("post", "put", "patch", "delete")
_PROBLEM_CONTENT = {
    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
}
_WRITE_PROBLEMS = {
    "409": "refused in the object's current state, or changed by someone else meanwhile",
    "412": "`If-Match` names a version that is no longer current",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before sending the request again",
        "schema": {"type": "integer", "minimum": 0},
    }
}
_UNAVAILABLE = "the database cannot be reached just now (`Retry-After`): nothing was done"
_NOT_READY = "not ready: `failing_checks` names what does not answer"


def document_write_problems(app: FastAPI) -> None:
    """Make `app`'s document list 409 and 412 on every write operation, 503 and the
    `Retry-After` of 429 and 503 on every operation behind the gate."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        document = build()
        for path, item in document.get("paths", {}).items():
            for method, operation in item.items():
                responses = operation.get("responses") if isinstance(operation, dict) else None
                if responses is None:
                    continue
                if method in _WRITES:
                    for status, description in _WRITE_PROBLEMS.items():
                        responses.setdefault(status, _problem(description))
                if "401" in responses:  # behind the gate: the pool and the rate limits
                    _retry_later(responses, "503", _UNAVAILABLE)
                    if "429" in responses:
                        responses["429"].setdefault("headers", RETRY_AFTER)
                elif path == "/readyz":
                    responses.setdefault("503", _problem(_NOT_READY))
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": _PROBLEM_CONTENT}


def _retry_later(responses: dict[str, Any], status: str, description: str) -> None:
    response = responses.setdefault(status, _problem(description))
    response.setdefault("headers", RETRY_AFTER)
