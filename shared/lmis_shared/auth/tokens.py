"""Verifying bearer tokens: RS256 JWTs with issuer, audience and lifetime checked (PyJWT).

The verification key is either one PEM public key (embedded mode: the launcher's key pair) or
the identity provider's JWKS endpoint (production, e.g. Keycloak), chosen by
`authenticator_from_settings`. Claims read: `sub` (officer id), `role`, and the administrative
unit claim (`scope` by default; pass `unit_claim=` where the provider already uses `scope` for
OAuth scopes, as Keycloak does, and map the officer's unit to another claim).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lmis_shared.auth.keys import ALGORITHM, PUBLIC_KEY_NAME
from lmis_shared.auth.principal import (
    AuthenticationFailed,
    IdentityProviderUnavailable,
    Principal,
    Role,
    is_unit_code,
    scope_fits_role,
)
from lmis_shared.settings import CommonSettings

_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


class Authenticator(Protocol):
    """Turns a bearer token into a `Principal`, or raises `AuthenticationFailed`."""

    async def authenticate(self, token: str) -> Principal: ...


class _KeySource(Protocol):
    async def key_for(self, token: str) -> Any: ...


class _StaticKey:
    def __init__(self, key: rsa.RSAPublicKey) -> None:
        self._key = key

    async def key_for(self, token: str) -> Any:
        return self._key


class _Jwks:
    def __init__(self, url: str) -> None:
        self._client = jwt.PyJWKClient(url, cache_keys=True, timeout=5)

    async def key_for(self, token: str) -> Any:
        # The first look-up (and each key rotation) is a blocking HTTP call: keep it off the
        # event loop. Later look-ups hit PyJWKClient's cache.
        try:
            signing_key = await asyncio.to_thread(self._client.get_signing_key_from_jwt, token)
        except jwt.PyJWKClientConnectionError as error:
            raise IdentityProviderUnavailable(
                "the identity provider's key set is unreachable"
            ) from error
        except jwt.PyJWTError as error:
            raise AuthenticationFailed("the token's signing key is unknown") from error
        return signing_key.key


class JwtAuthenticator:
    """Checks signature (RS256 only), `iss`, `aud`, `exp`/`nbf` and the LMIS claims."""

    def __init__(
        self,
        keys: _KeySource,
        *,
        issuer: str,
        audience: str,
        leeway: timedelta = timedelta(seconds=30),
        unit_claim: str = "scope",
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway
        self._unit_claim = unit_claim

    @classmethod
    def from_public_key_file(cls, path: Path, *, issuer: str, audience: str) -> JwtAuthenticator:
        key = serialization.load_pem_public_key(path.read_bytes())
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError(f"{path} does not hold an RSA public key")
        return cls(_StaticKey(key), issuer=issuer, audience=audience)

    @classmethod
    def from_jwks_url(cls, url: str, *, issuer: str, audience: str) -> JwtAuthenticator:
        return cls(_Jwks(url), issuer=issuer, audience=audience)

    async def authenticate(self, token: str) -> Principal:
        key = await self._keys.key_for(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as error:
            raise AuthenticationFailed("the token has expired") from error
        except jwt.PyJWTError as error:
            raise AuthenticationFailed(_reason(error)) from error
        return self._principal(claims)

    def _principal(self, claims: dict[str, Any]) -> Principal:
        subject, role, unit = claims.get("sub"), claims.get("role"), claims.get(self._unit_claim)
        if not isinstance(subject, str) or not subject:
            raise AuthenticationFailed("the token has no subject")
        if role not in set(Role):
            raise AuthenticationFailed("the token has no known role")
        if not isinstance(unit, str) or not is_unit_code(unit):
            raise AuthenticationFailed("the token has no administrative unit scope")
        if not scope_fits_role(Role(role), unit):
            raise AuthenticationFailed("the token's unit scope is not of its role's level")
        return Principal(subject=subject, role=Role(role), scope=unit)


def authenticator_from_settings(settings: CommonSettings) -> JwtAuthenticator:
    """JWKS when `jwt_jwks_url` is set; else the PEM file; else the embedded key pair's file."""
    common = {"issuer": settings.jwt_issuer, "audience": settings.jwt_audience}
    if settings.jwt_jwks_url:
        return JwtAuthenticator.from_jwks_url(settings.jwt_jwks_url, **common)
    if settings.jwt_public_key_file is not None:
        return JwtAuthenticator.from_public_key_file(settings.jwt_public_key_file, **common)
    if settings.mode == "embedded":
        return JwtAuthenticator.from_public_key_file(settings.keys_dir / PUBLIC_KEY_NAME, **common)
    raise ValueError("production needs LMIS_JWT_JWKS_URL or LMIS_JWT_PUBLIC_KEY_FILE")


def _reason(error: jwt.PyJWTError) -> str:
    # PyJWT's own messages name claims, never their values, except for malformed input where
    # they may quote bits of the token: map to fixed texts instead.
    if isinstance(error, jwt.InvalidAudienceError):
        return "the token is not meant for this service"
    if isinstance(error, jwt.InvalidIssuerError):
        return "the token comes from an unknown issuer"
    if isinstance(error, jwt.ImmatureSignatureError):
        return "the token is not valid yet"
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"the token lacks the {error.claim!r} claim"
    if isinstance(error, jwt.InvalidSignatureError):
        return "the token's signature does not verify"
    return "the token is malformed"
