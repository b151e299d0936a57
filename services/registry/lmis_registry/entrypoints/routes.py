"""How every command route of the registry is made: one factory (`command_route`) for the
worker-file and loan commands, the problems they document, and the answer they give (and
`current`, the answer of a read).

A command route takes the command's body, runs it through a use case of the `Registry` with
the request's context (`Idempotency-Key`, `If-Match`) and answers the use case's body with
the new version as `ETag` (and `Idempotent-Replayed: true` for a repeat). A route on the
collection (no `{id}` in its path) creates: 201 with a `Location`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from lmis_registry.bootstrap import Registry
from lmis_shared.commands import CommandResult
from lmis_shared.web import PROBLEM_RESPONSES, Context, etag

Responses = dict[int | str, dict[str, Any]]
UseCase = Callable[..., Awaitable[CommandResult]]
"""`(id, body, ctx)` on an existing object, `(body, ctx)` for a creation."""

_PROBLEM = {k: v for k, v in PROBLEM_RESPONSES[422].items() if k != "description"}
STALE = "`If-Match` names a version that is no longer current"


def registry(request: Request) -> Registry:
    app_registry: Registry = request.app.state.registry
    return app_registry


App = Annotated[Registry, Depends(registry)]


def command_responses(not_found: str, conflict: str) -> Responses:
    """The problems a command on an existing object may answer."""
    return {
        404: {**_PROBLEM, "description": not_found},
        409: {**_PROBLEM, "description": conflict},
        412: {**_PROBLEM, "description": STALE},
    }


def answer(result: CommandResult, **headers: str) -> JSONResponse:
    headers["ETag"] = etag(result.version)
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(result.body, status_code=result.status_code, headers=headers)


def current(view: BaseModel, version: int) -> JSONResponse:
    """What a read answers: the `view` of an object, its `version` as `ETag`."""
    return JSONResponse(view.model_dump(mode="json"), headers={"ETag": etag(version)})


def command_route(
    router: APIRouter,
    path: str,
    body: type[BaseModel],
    use_case: Callable[[Registry], UseCase],
    *,
    name: str,
    response_model: type[BaseModel],
    summary: str,
    description: str | None = None,
    responses: Responses | None = None,
    method: str = "POST",
    optional_body: bool = False,
) -> None:
    """Add the route `method path` running `use_case(registry)` on the parsed `body`.

    `name` is the endpoint's name (and so its OpenAPI operation id); `optional_body` lets a
    command whose every field has a default be sent without a body.
    """
    id_name = _path_parameter(path)
    body_param = inspect.Parameter(
        "body",
        inspect.Parameter.KEYWORD_ONLY,
        annotation=body,
        default=body() if optional_body else inspect.Parameter.empty,
    )
    parameters = [
        body_param,
        inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context),
        inspect.Parameter("app", inspect.Parameter.KEYWORD_ONLY, annotation=App),
    ]
    if id_name is not None:
        parameters.insert(
            0, inspect.Parameter(id_name, inspect.Parameter.KEYWORD_ONLY, annotation=UUID)
        )

    async def endpoint(**values: Any) -> JSONResponse:
        run = use_case(values["app"])
        command, ctx = values["body"], values["ctx"]
        if id_name is None:
            result = await run(command, ctx)
            return answer(result, Location=f"{router.prefix}/{result.body['id']}")
        return answer(await run(values[id_name], command, ctx))

    # FastAPI reads the parameters (path id, body, dependencies) from the signature
    signature = inspect.Signature(parameters, return_annotation=JSONResponse)
    endpoint.__signature__ = signature  # type: ignore[attr-defined]
    endpoint.__name__ = name
    router.add_api_route(
        path,
        endpoint,
        methods=[method],
        name=name,
        status_code=201 if id_name is None else 200,
        response_model=response_model,
        summary=summary,
        description=description,
        responses=responses,
    )


def _path_parameter(path: str) -> str | None:
    found = re.search(r"\{(\w+)\}", path)
    return found.group(1) if found else None
