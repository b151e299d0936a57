"""The problems every write route may answer, documented on each one so that a client (and
the fuzzer, which holds the APIs to their documents) knows them: a refused transition or a lost
race (409) and a stale `If-Match` (412). Operations that describe these more precisely for their
kind of object (`command_responses`) keep their own words.

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


def document_write_problems(app: FastAPI) -> None:
    """Make `app`'s document list 409 and 412 on every write operation."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        document = build()
        for item in document.get("paths", {}).values():
            for method in _WRITES:
                responses = item.get(method, {}).get("responses")
                if responses is None:
                    continue
                for status, description in _WRITE_PROBLEMS.items():
                    responses.setdefault(
                        status, {"description": description, "content": _PROBLEM_CONTENT}
                    )
        return document

    app.openapi = openapi  # type: ignore[method-assign]
