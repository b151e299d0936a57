"""Who is calling: the verified identity a bearer token carries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_UNIT_CODE = re.compile(r"^\d{2}(\d{3})?$")


class Role(StrEnum):
    ADMIN = "admin"
    PROVINCE_OFFICER = "province_officer"
    COMMUNE_OFFICER = "commune_officer"
    BANK = "bank"
    POLICE = "police"
    FOREIGN_AFFAIRS = "foreign_affairs"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller.

    `subject` is an officer id (never a name); `scope` is the administrative unit the officer
    answers for: a province code such as "12" or a commune code such as "03637".
    """

    subject: str
    role: Role
    scope: str


class AuthenticationFailed(Exception):
    """No usable bearer token: missing, malformed, badly signed, expired, or for someone else.

    `reason` is safe to show to the client (it never contains the token or its claims).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IdentityProviderUnavailable(Exception):
    """The issuer's key set (JWKS) could not be fetched, so no token can be checked now."""


def is_unit_code(value: str) -> bool:
    """Whether `value` looks like a province ("12") or commune ("03637") code."""
    return bool(_UNIT_CODE.match(value))


_PROVINCE_DIGITS, _COMMUNE_DIGITS = 2, 5
SCOPE_LEVEL: dict[Role, int] = {
    Role.PROVINCE_OFFICER: _PROVINCE_DIGITS,
    Role.COMMUNE_OFFICER: _COMMUNE_DIGITS,
}
"""The level of unit a role answers for, where it has one (by the code's length): a commune
officer scoped to a province would otherwise act province-wide."""


def scope_fits_role(role: Role, scope: str) -> bool:
    """Whether `scope` is a unit code of the level `role` answers for."""
    level = SCOPE_LEVEL.get(role)
    return is_unit_code(scope) and (level is None or len(scope) == level)
