"""`create_app`: the one way an LMIS service builds its FastAPI application.

What every service gets from it, so no service repeats it:
  * JSON logging (`lmis_shared.logging`), tracing (`lmis_shared.telemetry`) and metrics
    (`lmis_shared.metrics`, served on the metrics port), the FastAPI instrumentation with
    query strings scrubbed and `/healthz`, `/readyz` left out. Its HTTP metrics follow the
    stable semantic conventions (`http.server.request.duration` in seconds, labelled by
    route template, method and status: never a path's ids), see `stable_http_semconv`;
  * problem details for every error (`lmis_shared.web.problems`);
  * the bearer-token gate on every route of `routers` (`lmis_shared.web.security`), and
    behind it the per-caller rate limits on writes and imports (`lmis_shared.web.rates`);
  * NUL, lone surrogates and oversized bodies refused at the edge (`lmis_shared.web.inputs`);
    `/healthz`, `/readyz`, `/docs` and `/openapi.json` stay public;
  * `X-Correlation-ID` handling and the 500 safety net (`lmis_shared.web.context`).

Resources (pools, producers) are built in the `lifespan` the service passes, never at import;
the app's own tracer provider is shut down (its spans flushed) when the lifespan ends.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider

from lmis_shared.auth import Authenticator
from lmis_shared.logging import setup_logging
from lmis_shared.metrics import setup_metrics
from lmis_shared.settings import CommonSettings
from lmis_shared.telemetry import scrub_http_span, setup_telemetry
from lmis_shared.web.context import RequestContextMiddleware
from lmis_shared.web.documented import document_write_problems
from lmis_shared.web.health import ReadinessCheck, health_router
from lmis_shared.web.inputs import InputGuardMiddleware
from lmis_shared.web.outages import install_outage_handlers
from lmis_shared.web.problems import Problem, ProblemMapping, install_problem_handlers
from lmis_shared.web.rates import install_rate_limits, rate_limit
from lmis_shared.web.security import current_principal, install_auth_handlers

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[Mapping[str, Any] | None]]

# `model` puts Problem in the components (FastAPI also lists it under application/json).
_PROBLEM = {
    "model": Problem,
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {**_PROBLEM, "description": "missing, invalid or expired bearer token"},
    403: {**_PROBLEM, "description": "the caller's role or scope does not allow it"},
    404: {**_PROBLEM, "description": "no such object, or none the caller may see"},
    413: {**_PROBLEM, "description": "the body is larger than the service accepts"},
    422: {**_PROBLEM, "description": "invalid data; `errors` names each field"},
    429: {**_PROBLEM, "description": "too many requests from this caller; see `Retry-After`"},
    500: {**_PROBLEM, "description": "internal error; quote `trace_id` to support"},
}


def create_app(
    *,
    service: str,
    settings: CommonSettings,
    routers: Sequence[APIRouter],
    readiness_checks: Mapping[str, ReadinessCheck],
    authenticator: Authenticator,
    version: str,
    lifespan: Lifespan | None = None,
    problems: ProblemMapping | None = None,
    description: str | None = None,
    tracer_provider: TracerProvider | None = None,
    reported_checks: Mapping[str, ReadinessCheck] | None = None,
) -> FastAPI:
    """Build the service's app.

    `readiness_checks` are what `/readyz` requires, `reported_checks` what it only reports
    (`lmis_shared.web.health`).
    `problems` maps the service's own error classes (default: the shared ones only).
    `tracer_provider` lets a caller (a test) own tracing; otherwise the app builds one from
    `settings` and shuts it down with its lifespan.
    """
    setup_logging(service, settings.log_level)
    provider = tracer_provider or setup_telemetry(service, settings)
    meter_provider = setup_metrics(service, settings)
    app = FastAPI(
        title=f"LMIS {service} API",
        description=description or f"LMIS {service} service. Errors are RFC 9457 problems.",
        version=version,
        lifespan=_lifespan(lifespan, provider if tracer_provider is None else None),
    )
    app.state.service = service
    app.state.authenticator = authenticator
    app.state.readiness_checks = dict(readiness_checks)
    app.state.reported_checks = dict(reported_checks or {})
    app.state.tracer_provider = provider
    install_problem_handlers(app, problems or ProblemMapping())
    install_auth_handlers(app)
    install_rate_limits(app, settings)
    install_outage_handlers(app)  # 503 + Retry-After while PostgreSQL cannot be reached
    app.include_router(health_router(service, version))
    for router in routers:
        app.include_router(
            router,
            dependencies=[Depends(current_principal), Depends(rate_limit)],
            responses=PROBLEM_RESPONSES,
        )
    document_write_problems(app)
    app.add_middleware(InputGuardMiddleware, max_body_bytes=settings.max_json_body_bytes)
    app.add_middleware(RequestContextMiddleware)  # the outermost: its id is on every answer
    stable_http_semconv()
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        meter_provider=meter_provider,
        excluded_urls="/healthz,/readyz",
        server_request_hook=scrub_http_span,
        exclude_spans=["receive", "send"],
    )
    return app


SEMCONV_OPT_IN = "OTEL_SEMCONV_STABILITY_OPT_IN"


def stable_http_semconv() -> None:
    """Make the HTTP instrumentation emit the stable semantic conventions.

    Without the opt-in, opentelemetry-instrumentation 0.66b2 still emits the old ones:
    `http.server.duration` in milliseconds (`http_server_duration_milliseconds`), labelled with
    `http.target` and the host. The stable `http.server.request.duration` in seconds
    (`http_server_request_duration_seconds`) is what Prometheus rules and dashboards expect,
    and its labels are the route template, method and status only. The instrumentation reads
    the variable once per process, at its first use, so it is set here, before instrumenting;
    an operator's own opt-in (`http/dup`: old and new) is kept.
    """
    modes = [m.strip() for m in os.environ.get(SEMCONV_OPT_IN, "").split(",") if m.strip()]
    if not {"http", "http/dup"} & set(modes):
        os.environ[SEMCONV_OPT_IN] = ",".join([*modes, "http"])


def _lifespan(
    inner: Lifespan | None, owned_provider: TracerProvider | None
) -> Callable[[FastAPI], AbstractAsyncContextManager[Mapping[str, Any]]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Mapping[str, Any]]:
        try:
            if inner is None:
                yield {}
            else:
                async with inner(app) as state:
                    yield dict(state or {})
        finally:
            if owned_provider is not None:
                owned_provider.shutdown()  # flushes the spans still in the batch

    return lifespan
