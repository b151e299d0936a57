"""Signing in to the dashboard, and out.

* Production: OpenID Connect, authorisation-code flow with PKCE (S256) against the identity
  provider that issues the API tokens (`LMIS_JWT_ISSUER`; its endpoints from the issuer's
  discovery document), through authlib's Starlette client, which keeps the state, nonce and
  code verifier in the session. The access token it returns is checked by the same
  `Authenticator` as an API call (issuer, audience, role and unit claims) and becomes the
  session's credential.
* Embedded mode: a one-time link from `lmis signin-link` (or `lmis up`), signed with the
  embedded key pair for a role and unit (`lmis_shared.auth.signin`); its id is recorded when
  used, so it signs in once. The session then carries a token signed like `lmis token`'s.
  Outside embedded mode the link route does not exist (404), whatever it carries.
* `POST /signout` (a form with the session's CSRF token) ends the session.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import RedirectResponse, Response

from lmis_reporting.bootstrap import Reporting
from lmis_reporting.entrypoints.pages import error_page, render
from lmis_reporting.entrypoints.sessions import (
    SESSION_HOURS,
    check_csrf,
    close_session,
    open_session,
)
from lmis_reporting.settings import ReportingSettings
from lmis_shared.auth import (
    AuthenticationFailed,
    Authenticator,
    ensure_local_keypair,
    issue_token,
    read_signin_link,
)
from lmis_shared.auth.keys import PUBLIC_KEY_NAME
from lmis_shared.errors import Forbidden
from lmis_shared.settings import CommonSettings

signin = APIRouter(include_in_schema=False)
PROVIDER = "lmis"


def install_signin(app: FastAPI, common: CommonSettings, settings: ReportingSettings) -> None:
    """The sign-in routes, and the OIDC client when a client id is configured."""
    app.state.common_settings = common
    app.state.oauth = None
    if settings.oidc_client_id:
        oauth = OAuth()
        secret = settings.oidc_client_secret
        oauth.register(
            PROVIDER,
            client_id=settings.oidc_client_id,
            client_secret=secret.get_secret_value() if secret else None,
            server_metadata_url=discovery_url(common.jwt_issuer),
            client_kwargs={"scope": "openid", "code_challenge_method": "S256"},
        )
        app.state.oauth = oauth
    app.include_router(signin)


def discovery_url(issuer: str) -> str:
    return f"{issuer.rstrip('/')}/.well-known/openid-configuration"


@signin.get("/signin")
async def signin_page(request: Request) -> Response:
    common: CommonSettings = request.app.state.common_settings
    return render(
        request,
        "signin.html",
        embedded=common.mode == "embedded",
        oidc=request.app.state.oauth is not None,
    )


@signin.get("/signin/oidc")
async def signin_oidc(request: Request) -> Response:
    oauth: OAuth | None = request.app.state.oauth
    if oauth is None:
        return error_page(request, 404, "OpenID Connect sign-in is not configured")
    client = oauth.create_client(PROVIDER)
    redirect: Response = await client.authorize_redirect(
        request, str(request.url_for("signin_callback"))
    )
    return redirect


@signin.get("/signin/callback", name="signin_callback")
async def signin_callback(request: Request) -> Response:
    oauth: OAuth | None = request.app.state.oauth
    if oauth is None:
        return error_page(request, 404, "OpenID Connect sign-in is not configured")
    try:
        token = await oauth.create_client(PROVIDER).authorize_access_token(request)
        credential = str(token["access_token"])
        authenticator: Authenticator = request.app.state.authenticator
        await authenticator.authenticate(credential)
    except (OAuthError, KeyError, AuthenticationFailed):
        return error_page(request, 401, "the identity provider did not sign you in")
    open_session(request, credential)
    return RedirectResponse("/", status_code=303)


@signin.get("/signin/link")
async def signin_with_link(
    request: Request, token: Annotated[str, Query(max_length=4096)]
) -> Response:
    common: CommonSettings = request.app.state.common_settings
    if common.mode != "embedded":
        return error_page(request, 404, "sign-in links exist in embedded mode only")
    public = common.jwt_public_key_file or common.keys_dir / PUBLIC_KEY_NAME
    try:
        grant = await read_signin_link(
            token, public, issuer=common.jwt_issuer, audience=common.jwt_audience
        )
    except AuthenticationFailed:
        return render(request, "signin.html", 401, embedded=True, oidc=False, link_refused=True)
    reporting: Reporting = request.app.state.reporting
    if not await reporting.signin_links.use(grant.link_id):
        return render(request, "signin.html", 401, embedded=True, oidc=False, link_refused=True)
    private, _ = ensure_local_keypair(common.keys_dir)
    who = grant.principal
    credential = issue_token(
        private,
        subject=who.subject,
        role=who.role.value,
        scope=who.scope,
        issuer=common.jwt_issuer,
        audience=common.jwt_audience,
        ttl=timedelta(hours=SESSION_HOURS),
    )
    open_session(request, credential)
    return RedirectResponse("/", status_code=303)


@signin.post("/signout")
async def signout(request: Request) -> Response:
    try:
        await check_csrf(request)
    except Forbidden as error:
        return error_page(request, 403, error.reason)
    close_session(request)
    return RedirectResponse("/signin", status_code=303)
