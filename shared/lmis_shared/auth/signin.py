"""One-time sign-in links for the dashboard, in embedded mode only.

`lmis signin-link` (and `lmis up`) sign a short-lived token with the embedded key pair for a
chosen role and unit; the dashboard checks it, makes sure its id (`jti`) was never used, and
opens a session. The token's audience is the API audience with `/signin` after it, so a link
can never be sent to an API as a bearer token, nor an API token used as a link. In production
officers sign in at the identity provider (OpenID Connect) and no link is ever accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import jwt

from lmis_shared.auth.keys import issue_token
from lmis_shared.auth.principal import AuthenticationFailed, Principal
from lmis_shared.auth.tokens import JwtAuthenticator

SIGNIN_PATH = "/signin/link"
LINK_TTL = timedelta(minutes=15)


def signin_audience(api_audience: str) -> str:
    return f"{api_audience}/signin"


def signin_link(
    base_url: str,
    private_key_path: Path,
    *,
    subject: str,
    role: str,
    scope: str,
    issuer: str,
    audience: str,
    ttl: timedelta = LINK_TTL,
) -> str:
    """The URL that signs its first opener in as `role` for `scope` (the dashboard's base URL
    first)."""
    token = issue_token(
        private_key_path,
        subject=subject,
        role=role,
        scope=scope,
        issuer=issuer,
        audience=signin_audience(audience),
        ttl=ttl,
    )
    return f"{base_url.rstrip('/')}{SIGNIN_PATH}?{urlencode({'token': token})}"


@dataclass(frozen=True)
class SignInGrant:
    link_id: str
    principal: Principal


async def read_signin_link(
    token: str, public_key_path: Path, *, issuer: str, audience: str
) -> SignInGrant:
    """The officer a link signs in, and its id; `AuthenticationFailed` for a bad or old one."""
    checker = JwtAuthenticator.from_public_key_file(
        public_key_path, issuer=issuer, audience=signin_audience(audience)
    )
    principal = await checker.authenticate(token)
    # verified just above; only the id is read again
    link_id = jwt.decode(token, options={"verify_signature": False}).get("jti")
    if not isinstance(link_id, str) or not link_id:
        raise AuthenticationFailed("the sign-in link has no id")
    return SignInGrant(link_id, principal)
