"""A request that finds PostgreSQL unreachable (restarting, failing over, out of connections)
is answered 503 with `Retry-After`, a problem the caller can act on, not a 500: the command
was not applied and may be sent again (with its Idempotency-Key, if it had one)."""

from __future__ import annotations

import asyncpg
from fastapi import FastAPI, Request

from lmis_shared.outages import is_unreachable
from lmis_shared.web.problems import ProblemResponse, problem_response

RETRY_AFTER_SECONDS = 5
_CAUGHT: tuple[type[Exception], ...] = (
    ConnectionError,
    TimeoutError,  # a pool's acquire that waited in vain
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
)


def install_outage_handlers(app: FastAPI) -> None:
    for cls in _CAUGHT:
        app.add_exception_handler(cls, _unavailable)


async def _unavailable(request: Request, error: Exception) -> ProblemResponse:
    if not is_unreachable(error):  # every caught class is; keep the two lists honest
        raise error
    return problem_response(
        request,
        503,
        type="unavailable",
        detail="the database cannot be reached just now: try again shortly",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
