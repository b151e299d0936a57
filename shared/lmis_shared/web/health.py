"""`/healthz` (the process answers) and `/readyz` (its dependencies answer), both without auth.

Readiness checks are `async () -> None` callables that raise when their dependency is not
usable. They live in `app.state.readiness_checks` (a dict), so a lifespan that builds the
database pool can add the check that uses it. Each runs with a timeout, all concurrently; a
failure answers 503 naming the failing checks. The exception text is not shown (a DSN may hold
a password); its type is logged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lmis_shared.web.problems import problem_response

ReadinessCheck = Callable[[], Awaitable[None]]
CHECK_TIMEOUT_SECONDS = 3.0

_log = structlog.stdlib.get_logger("lmis.web.health")


def health_router(service: str, version: str) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service, "version": version}

    @router.get("/readyz", summary="The database, broker, ... answer", response_model=None)
    async def readyz(request: Request) -> JSONResponse:
        checks: Mapping[str, ReadinessCheck] = request.app.state.readiness_checks
        results = await asyncio.gather(*(_run(name, check) for name, check in checks.items()))
        outcome = dict(zip(checks, results, strict=True))
        failing = [name for name, ok in outcome.items() if not ok]
        states = {name: "ok" if ok else "failing" for name, ok in outcome.items()}
        if failing:
            return problem_response(
                request,
                503,
                type="not-ready",
                detail=f"not ready: {', '.join(failing)}",
                extensions={"failing_checks": failing, "checks": states},
            )
        return JSONResponse({"status": "ready", "checks": states})

    return router


async def _run(name: str, check: ReadinessCheck) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await check()
    except Exception as error:
        _log.warning("readiness check failed", check=name, error_type=type(error).__name__)
        return False
    return True
