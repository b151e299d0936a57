"""Authorisation in one place: which role may do what, on which kind of object, where.

The table is data (`DEFAULT_GRANTS`); a service that needs other resource kinds passes its
own table. Scope is checked against the unit of the OBJECT (the commune a worker file belongs
to, the province of a permit), so the check runs after the object is loaded, in the
application layer, and routes never repeat it.

`unit_in_scope(unit_code, scope_code)` decides whether an object's unit lies inside the
caller's scope. The default asks the current administrative hierarchy
(`lmis_shared.reference.units`); plug in another (legacy codes, the reporting service's tables)
without touching the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from lmis_shared.auth.principal import Principal, Role
from lmis_shared.errors import Forbidden, Unseen
from lmis_shared.reference.units import unit_in_scope as current_unit_in_scope

ANY = "*"
READ, WRITE = "read", "write"
ERASE = "erase"
"""Destroying a person's data key: no role but admin (whose grant is every action) has it."""
OVERRIDE = "override"
"""Entering a record a check would refuse, as a historical one (a contract through an
organisation the register does not license): the province's department and admins only."""

UnitInScope = Callable[[str, str], bool]


@dataclass(frozen=True)
class Grant:
    """`actions` on `kinds` of object; `anywhere` skips the scope check (admin, reference data)."""

    actions: frozenset[str]
    kinds: frozenset[str]
    anywhere: bool = False

    def covers(self, action: str, kind: str) -> bool:
        return _matches(self.actions, action) and _matches(self.kinds, kind)


def grant(actions: Iterable[str], kinds: Iterable[str], *, anywhere: bool = False) -> Grant:
    return Grant(frozenset(actions), frozenset(kinds), anywhere)


_OFFICE_KINDS = ("worker", "loan", "permit", "employer", "indicator", "target", "report", "alert")
_COUNTED_AT_HOME = "job_creation"
"""A commune's monthly count of jobs created through a programme (no person in it)."""

DEFAULT_GRANTS: Mapping[Role, tuple[Grant, ...]] = {
    Role.ADMIN: (grant([ANY], [ANY], anywhere=True),),
    Role.PROVINCE_OFFICER: (
        grant([READ, WRITE], [*_OFFICE_KINDS, _COUNTED_AT_HOME, "subscription"]),
        grant([OVERRIDE], ["worker"]),
        grant([READ], ["unit"], anywhere=True),
    ),
    Role.COMMUNE_OFFICER: (
        grant([READ, WRITE], ["worker", _COUNTED_AT_HOME]),
        grant([READ], ["indicator", "report", "alert"]),
        grant([READ], ["unit"], anywhere=True),
    ),
    Role.BANK: (grant([READ, WRITE], ["loan"]), grant([READ], ["unit"], anywhere=True)),
    Role.POLICE: (grant([READ], ["identity"]), grant([READ], ["unit"], anywhere=True)),
    Role.FOREIGN_AFFAIRS: (
        grant([READ], ["worker", "alert"]),
        grant([READ], ["unit"], anywhere=True),
    ),
}


class Authorizer:
    """`check(...)` raises `Forbidden` unless a grant of the caller's role covers the request."""

    def __init__(
        self,
        grants: Mapping[Role, tuple[Grant, ...]] = DEFAULT_GRANTS,
        unit_in_scope: UnitInScope = current_unit_in_scope,
    ) -> None:
        self._grants = grants
        self._unit_in_scope = unit_in_scope

    def allows(
        self, principal: Principal, action: str, unit_code: str | None, resource_kind: str
    ) -> bool:
        for candidate in self._grants.get(principal.role, ()):
            if not candidate.covers(action, resource_kind):
                continue
            if candidate.anywhere:
                return True
            # An object whose unit is unknown is outside every scope: deny rather than guess.
            if unit_code is not None and self._unit_in_scope(unit_code, principal.scope):
                return True
        return False

    def check(
        self, principal: Principal, action: str, unit_code: str | None, resource_kind: str
    ) -> None:
        """Raise `Forbidden` unless allowed: `Unseen` when the caller may not even read the
        object. The message names no unit: it would tell where an object is."""
        if self.allows(principal, action, unit_code, resource_kind):
            return
        readable = action != READ and self.allows(principal, READ, unit_code, resource_kind)
        refusal = Forbidden if readable else Unseen
        raise refusal(f"role {principal.role} may not {action} this {resource_kind}")


def list_scope(
    authorizer: Authorizer, principal: Principal, action: str, resource_kind: str
) -> str | None:
    """The unit a list of `resource_kind` must be limited to for `principal`: None when a
    grant covers objects anywhere (an object of unknown unit is only covered by such a grant),
    else the caller's own scope, if it may `action` there at all (`Forbidden` otherwise)."""
    if authorizer.allows(principal, action, None, resource_kind):
        return None
    authorizer.check(principal, action, principal.scope, resource_kind)
    return principal.scope


def _matches(allowed: frozenset[str], value: str) -> bool:
    return ANY in allowed or value in allowed
