"""The bearer-token gate every business route stands behind (`create_app` adds it).

`current_principal` is a FastAPI dependency: it reads `Authorization: Bearer <JWT>`, asks the
app's `Authenticator` (set by `create_app`) and returns the `Principal`, or answers 401 with
`WWW-Authenticate: Bearer` (RFC 6750). Authorisation is not here: see `lmis_shared.auth.policy`.

Public API:
    current_principal(request, credentials) -> Principal       (use via Depends)
    install_auth_handlers(app) -> None                          (called by create_app)
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lmis_shared.auth import (
    AuthenticationFailed,
    Authenticator,
    IdentityProviderUnavailable,
    Principal,
)
from lmis_shared.web.problems import ProblemResponse, problem_response

_bearer = HTTPBearer(
    bearerFormat="JWT",
    auto_error=False,  # we answer with a problem detail, not FastAPI's plain error
    description="RS256 token from the identity provider (`lmis token` in embedded mode)",
)
_REALM = 'Bearer realm="lmis"'


class MissingCredentials(AuthenticationFailed):
    """No bearer token at all (RFC 6750: then no `error=` in the challenge)."""


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise MissingCredentials("send an 'Authorization: Bearer <token>' header")
    authenticator: Authenticator = request.app.state.authenticator
    principal = await authenticator.authenticate(credentials.credentials)
    # The officer id (not a name) on every log line of the request: who did what.
    structlog.contextvars.bind_contextvars(subject=principal.subject, role=principal.role.value)
    return principal


def install_auth_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AuthenticationFailed, _unauthenticated)
    app.add_exception_handler(IdentityProviderUnavailable, _provider_down)


async def _unauthenticated(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, AuthenticationFailed)
    challenge = (
        _REALM if isinstance(error, MissingCredentials) else f'{_REALM}, error="invalid_token"'
    )
    return problem_response(
        request,
        401,
        type="unauthenticated",
        detail=error.reason,
        headers={"WWW-Authenticate": challenge},
    )


async def _provider_down(request: Request, error: Exception) -> ProblemResponse:
    return problem_response(
        request,
        503,
        type="identity-provider-unavailable",
        detail="tokens cannot be checked now; try again shortly",
        headers={"Retry-After": "5"},
    )
