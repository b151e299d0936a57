"""`/healthz` (the process answers) and `/readyz` (its dependencies answer), both without auth.

Checks are `async () -> None` callables that raise when their dependency is not usable. Two
kinds, both dicts on `app.state` so a lifespan that builds the database pool can add the check
that uses it:
  * `readiness_checks`: what the API cannot serve without (its database). A failure answers
    503 naming the failing checks, and the load balancer takes the pod out of rotation.
  * `reported_checks`: what it reports but serves without (the broker). Commands only need
    PostgreSQL: the event store is the outbox and the relay catches up when Kafka is back, so
    a Kafka outage must not take every API out of service. A failure answers 200 with the
    check named under `degraded`; relay lag is what alarms.
Each runs with a timeout, all concurrently. The exception text is not shown (a DSN may hold a
password); its type is logged.
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
        required: Mapping[str, ReadinessCheck] = request.app.state.readiness_checks
        reported: Mapping[str, ReadinessCheck] = request.app.state.reported_checks
        checks = {**required, **reported}
        results = await asyncio.gather(*(_run(name, check) for name, check in checks.items()))
        outcome = dict(zip(checks, results, strict=True))
        failing = [name for name in required if not outcome[name]]
        degraded = [name for name in reported if not outcome[name]]
        states = {name: "ok" if ok else "failing" for name, ok in outcome.items()}
        if failing:
            return problem_response(
                request,
                503,
                type="not-ready",
                detail=f"not ready: {', '.join(failing)}",
                extensions={"failing_checks": failing, "checks": states},
            )
        body: dict[str, object] = {"status": "ready", "checks": states}
        if degraded:
            body["degraded"] = degraded
        return JSONResponse(body)

    return router


async def _run(name: str, check: ReadinessCheck) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await check()
    except Exception as error:
        _log.warning("readiness check failed", check=name, error_type=type(error).__name__)
        return False
    return True
