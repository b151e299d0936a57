"""Authentication and authorisation, free of any web framework.

Public API:
    Role                         StrEnum: admin, province_officer, commune_officer, bank,
                                 police, foreign_affairs
    Principal(subject: str, role: Role, scope: str)   frozen dataclass
    AuthenticationFailed(reason: str)                  -> 401 at the edge
    IdentityProviderUnavailable                        -> 503 at the edge
    Authenticator                protocol: `async authenticate(token: str) -> Principal`
    JwtAuthenticator             RS256 via PyJWT; `.from_public_key_file(path, *, issuer,
                                 audience)`, `.from_jwks_url(url, *, issuer, audience)`
    authenticator_from_settings(settings: CommonSettings) -> JwtAuthenticator
    Authorizer(grants=DEFAULT_GRANTS, unit_in_scope=...)
        .check(principal, action: str, unit_code: str | None, resource_kind: str) -> None
        .allows(...) -> bool        (raises / answers `lmis_shared.errors.Forbidden`)
    Grant, grant(actions, kinds, *, anywhere=False), DEFAULT_GRANTS, READ, WRITE, ANY
    list_scope(authorizer, principal, action, kind) -> str | None   (the unit a list keeps to)
    ensure_local_keypair(keys_dir: Path) -> tuple[Path, Path]     (private 0600, public)
    signin_link(base_url, private_key_path, *, subject, role, scope, issuer, audience) -> str
    read_signin_link(token, public_key_path, *, issuer, audience) -> SignInGrant
                                 one-time dashboard sign-in links (embedded mode only)
    issue_token(private_key_path: Path, *, subject, role, scope, issuer, audience,
                ttl: timedelta, clock: Clock | None = None) -> str
"""

from lmis_shared.auth.keys import ensure_local_keypair, issue_token
from lmis_shared.auth.policy import (
    ANY,
    DEFAULT_GRANTS,
    ERASE,
    OVERRIDE,
    READ,
    WRITE,
    Authorizer,
    Grant,
    UnitInScope,
    grant,
    list_scope,
)
from lmis_shared.auth.principal import (
    AuthenticationFailed,
    IdentityProviderUnavailable,
    Principal,
    Role,
)
from lmis_shared.auth.signin import SignInGrant, read_signin_link, signin_link
from lmis_shared.auth.tokens import Authenticator, JwtAuthenticator, authenticator_from_settings

__all__ = [
    "ANY",
    "DEFAULT_GRANTS",
    "ERASE",
    "OVERRIDE",
    "READ",
    "WRITE",
    "AuthenticationFailed",
    "Authenticator",
    "Authorizer",
    "Grant",
    "IdentityProviderUnavailable",
    "JwtAuthenticator",
    "Principal",
    "Role",
    "SignInGrant",
    "UnitInScope",
    "authenticator_from_settings",
    "ensure_local_keypair",
    "grant",
    "issue_token",
    "list_scope",
    "read_signin_link",
    "signin_link",
]
