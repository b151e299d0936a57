"""How every command route of every service is made: one factory (`command_route`) and the
two answers routes give (`answer` for a command, `current` for a read).

A command route takes the command's body, runs it through a use case with the request's
`CommandContext` (Idempotency-Key, If-Match) and answers the use case's body with the new
version as `ETag` (and `Idempotent-Replayed: true` for a repeat). A route that creates answers
201 with a `Location`.

Use cases follow one convention: `(id, command, ctx)` on an existing object named by the
route's path parameter, `(command, ctx)` on a collection; both return a `CommandResult`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from lmis_shared.commands import CommandResult
from lmis_shared.web.app import PROBLEM_RESPONSES
from lmis_shared.web.context import Context, etag

Responses = dict[int | str, dict[str, Any]]
UseCase = Callable[..., Awaitable[CommandResult]]

_PROBLEM = {k: v for k, v in PROBLEM_RESPONSES[422].items() if k != "description"}
STALE = "`If-Match` names a version that is no longer current"


def command_responses(not_found: str, conflict: str) -> Responses:
    """The problems a command on an existing object may answer, described for its kind."""
    return {
        404: {**_PROBLEM, "description": not_found},
        409: {**_PROBLEM, "description": conflict},
        412: {**_PROBLEM, "description": STALE},
    }


def answer(result: CommandResult, **headers: str) -> JSONResponse:
    """What a command answers: its body, the new version as `ETag`, a replay flagged."""
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
    use_case: Callable[[Any], UseCase],
    *,
    app: Any,
    name: str,
    response_model: type[BaseModel],
    summary: str,
    description: str | None = None,
    responses: Responses | None = None,
    method: str = "POST",
    optional_body: bool = False,
    id_type: type = UUID,
    location: Callable[[CommandResult], str] | None = None,
) -> None:
    """Add the route `method path` running `use_case(<the service>)` on the parsed `body`.

    `app` is the route's dependency that gives the service's use cases (an `Annotated` type);
    `name` the endpoint's name (and so its OpenAPI operation id); `id_type` the type of the
    path's parameter; `optional_body` lets a command whose every field has a default be sent
    without a body; `location` makes a creating route (201 and the `Location` it returns).
    """
    id_name = _path_parameter(path)
    parameters = [
        inspect.Parameter(
            "body",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=body,
            default=body() if optional_body else inspect.Parameter.empty,
        ),
        inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context),
        inspect.Parameter("app", inspect.Parameter.KEYWORD_ONLY, annotation=app),
    ]
    if id_name is not None:
        parameters.insert(
            0, inspect.Parameter(id_name, inspect.Parameter.KEYWORD_ONLY, annotation=id_type)
        )

    async def endpoint(**values: Any) -> JSONResponse:
        run = use_case(values["app"])
        target = () if id_name is None else (values[id_name],)
        result = await run(*target, values["body"], values["ctx"])
        if location is None:
            return answer(result)
        return answer(result, Location=location(result))

    # FastAPI reads the parameters (path id, body, dependencies) from the signature
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=JSONResponse
    )
    endpoint.__name__ = name
    router.add_api_route(
        path,
        endpoint,
        methods=[method],
        name=name,
        status_code=201 if location is not None else 200,
        response_model=response_model,
        summary=summary,
        description=description,
        responses=responses,
    )


def _path_parameter(path: str) -> str | None:
    found = re.search(r"\{(\w+)\}", path)
    return found.group(1) if found else None
