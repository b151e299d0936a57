"""The web foundation every LMIS service builds its HTTP API on.

Public API (details in each module):
    create_app(*, service, settings, routers, readiness_checks, authenticator, version,
               lifespan=None, problems=None, description=None, tracer_provider=None) -> FastAPI
    Context, request_context, etag                  per-request data for routes
    current_principal                               the bearer-token dependency
    ProblemMapping, problem_response, Problem, ProblemResponse     RFC 9457 answers
    ReadinessCheck                                  `async () -> None`, raises when not ready
"""

from lmis_shared.web.app import PROBLEM_RESPONSES, create_app
from lmis_shared.web.context import (
    CORRELATION_HEADER,
    Context,
    RequestContextMiddleware,
    etag,
    request_context,
)
from lmis_shared.web.health import ReadinessCheck
from lmis_shared.web.problems import (
    Problem,
    ProblemMapping,
    ProblemResponse,
    problem_response,
)
from lmis_shared.web.security import current_principal

__all__ = [
    "CORRELATION_HEADER",
    "PROBLEM_RESPONSES",
    "Context",
    "Problem",
    "ProblemMapping",
    "ProblemResponse",
    "ReadinessCheck",
    "RequestContextMiddleware",
    "create_app",
    "current_principal",
    "etag",
    "problem_response",
    "request_context",
]
