"""The dashboard's sessions: a signed cookie holding the officer's bearer token, and the CSRF
token every form sends back.

The cookie (`lmis_session`) is `HttpOnly; Secure; SameSite=Lax` (Starlette's
`SessionMiddleware`, signed with itsdangerous): JavaScript cannot read it, it travels over
HTTPS only (browsers treat http://127.0.0.1 and localhost as secure, so embedded mode works as
is), and a cross-site POST does not carry it. It holds the token the officer signed in with
(the identity provider's access token, or in embedded mode one signed with the embedded key
pair), checked again on every request by the same `Authenticator` as the APIs: when it
expires the officer signs in again. Forms carry a random token kept in the session
(synchroniser token), compared in constant time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Literal, cast
from urllib.parse import parse_qs

import structlog
from fastapi import FastAPI, Request
from starlette.middleware.sessions import SessionMiddleware

from lmis_shared.auth import AuthenticationFailed, Authenticator, Principal
from lmis_shared.errors import Forbidden

SESSION_COOKIE = "lmis_session"
SESSION_HOURS = 8
"""A working day; the token inside may end it sooner."""
CSRF_FIELD = "csrf_token"
Language = Literal["vi", "en"]

log = structlog.get_logger()


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    credential: str
    """The bearer token the dashboard sends on the officer's behalf."""


def install_sessions(app: FastAPI, secret: str | None) -> None:
    """Sessions on every route (the APIs ignore them). Without a configured secret, a random
    one: sessions then end when the process restarts and do not cross replicas."""
    if secret is None:
        log.warning("dashboard_session_secret_random", setting="LMIS_REPORTING_SESSION_SECRET")
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret or secrets.token_urlsafe(32),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
        https_only=True,
    )


def open_session(request: Request, credential: str) -> None:
    """A new session for a newly signed-in officer (nothing of an earlier one survives)."""
    language = language_of(request)
    request.session.clear()
    request.session.update(
        {"token": credential, "csrf": secrets.token_urlsafe(32), "lang": language}
    )


def close_session(request: Request) -> None:
    request.session.clear()


async def signed_in(request: Request) -> SignedIn | None:
    """The officer of this session, if its token still verifies."""
    credential = request.session.get("token")
    if not isinstance(credential, str):
        return None
    authenticator: Authenticator = request.app.state.authenticator
    try:
        principal = await authenticator.authenticate(credential)
    except AuthenticationFailed:
        close_session(request)
        return None
    structlog.contextvars.bind_contextvars(subject=principal.subject, role=principal.role.value)
    return SignedIn(principal, credential)


def language_of(request: Request) -> Language:
    """`?lang=` switches and is remembered; Vietnamese first."""
    asked = request.query_params.get("lang")
    if asked in ("vi", "en"):
        request.session["lang"] = asked
    kept = request.session.get("lang")
    return cast(Language, kept) if kept in ("vi", "en") else "vi"


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse a form whose CSRF token is not this session's (403)."""
    expected = request.session.get("csrf")
    body = (await request.body()).decode("utf-8", errors="replace")
    sent = parse_qs(body).get(CSRF_FIELD, [""])[0]
    if not isinstance(expected, str) or not secrets.compare_digest(sent, expected):
        raise Forbidden("the form's CSRF token is missing or not this session's")
