"""`lmis signin-link` and the link `lmis up` prints: a one-time sign-in to the dashboard for a
chosen role and unit, signed with the embedded key pair (`lmis_shared.auth.signin`); and
`lmis token`, a bearer token for the APIs signed with the same pair.

Embedded mode only: in production officers sign in at the identity provider, the dashboard
refuses every link, and this command refuses to make one (exit 2).
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Annotated, Any

import typer

from lmis_cli.services import settings_of
from lmis_shared.auth import Role, ensure_local_keypair, issue_token
from lmis_shared.auth import signin_link as make_link
from lmis_shared.auth.principal import is_unit_code, scope_fits_role
from lmis_shared.settings import CommonSettings

ROLES = [role.value for role in Role]
REFUSED = (
    "sign-in links exist in embedded mode only: in production, officers sign in at the "
    "identity provider (OpenID Connect)"
)


class SignInLinksRefused(Exception):
    """Not in embedded mode."""


def check_signin(role: str, unit: str) -> tuple[str, str]:
    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}")
    if not is_unit_code(unit):
        raise typer.BadParameter("the unit is a province (2 digits) or commune (5 digits) code")
    if not scope_fits_role(Role(role), unit):  # said here, not as a traceback from the signer
        raise typer.BadParameter(f"a {role} answers for a unit of its own level, not {unit}")
    return role, unit


def _role_and_unit(value: str) -> str:
    role, _, unit = value.partition(":")
    check_signin(role, unit)
    return value


SignInFor = Annotated[
    str,
    typer.Option(
        metavar="ROLE:UNIT",
        help="whom the printed dashboard sign-in link signs in",
        callback=_role_and_unit,
    ),
]
"""`lmis up --signin province_officer:12`."""


RoleOption = Annotated[str, typer.Option(help=f"one of {', '.join(ROLES)}")]
ScopeOption = Annotated[
    str, typer.Option(help="administrative unit code (province '12' or commune)")
]
# one subject per role and unit by default: rate limits and the audit are per subject, and
# tokens or links made for different roles are not one officer
SubjectOption = Annotated[
    str | None, typer.Option(help="officer id (not a name); by default <role>-<scope>")
]


def token(
    role: RoleOption = "admin",
    scope: ScopeOption = "12",
    subject: SubjectOption = None,
    hours: Annotated[int, typer.Option(help="validity in hours")] = 12,
) -> None:
    """Print a bearer token signed with the embedded key pair."""
    check_signin(role, scope)  # the same role and unit a sign-in link may name
    settings = CommonSettings()
    private, _ = ensure_local_keypair(settings.keys_dir)
    claims = _claims(settings, role, scope, subject, timedelta(hours=hours))
    typer.echo(issue_token(private, **claims))


def signin_link(
    role: RoleOption = "province_officer",
    scope: ScopeOption = "12",
    subject: SubjectOption = None,
    minutes: Annotated[int, typer.Option(help="how long the link may wait to be used")] = 15,
) -> None:
    """Print a one-time link that signs in to the dashboard (embedded mode only)."""
    check_signin(role, scope)
    try:
        typer.echo(dashboard_signin_link(role, scope, subject=subject, minutes=minutes))
    except SignInLinksRefused as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(2) from None


def dashboard_url() -> str:
    settings = settings_of("reporting")
    return f"http://{settings.host}:{settings.port}"


def dashboard_signin_link(
    role: str,
    scope: str,
    *,
    subject: str | None = None,
    minutes: int = 15,
    common: CommonSettings | None = None,
) -> str:
    """The link that signs its first opener in as `role` for `scope`, for `minutes`."""
    # the mode first: production settings may not even build on this machine
    if common is None and os.environ.get("LMIS_MODE", "embedded") != "embedded":
        raise SignInLinksRefused(REFUSED)
    common = common or CommonSettings()
    if common.mode != "embedded":
        raise SignInLinksRefused(REFUSED)
    private, _ = ensure_local_keypair(common.keys_dir)
    claims = _claims(common, role, scope, subject, timedelta(minutes=minutes))
    return make_link(dashboard_url(), private, **claims)


def _claims(
    common: CommonSettings, role: str, scope: str, subject: str | None, ttl: timedelta
) -> dict[str, Any]:
    """What a token or a sign-in link made here says, and for how long."""
    return {
        "subject": subject or f"{role}-{scope}",
        "role": role,
        "scope": scope,
        "issuer": common.jwt_issuer,
        "audience": common.jwt_audience,
        "ttl": ttl,
    }
