"""What the permits use cases share: each object is authorised where it is (its commune),
and a command on a demand or a file answers with its id, version and status."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from lmis_shared.auth import Authorizer, Principal


class Located(Protocol):
    @property
    def commune_code(self) -> str: ...


class Changed(Protocol):
    @property
    def id(self) -> UUID: ...

    @property
    def version(self) -> int: ...

    @property
    def status(self) -> StrEnum: ...


def in_scope(
    authorizer: Authorizer, principal: Principal, action: str, kind: str
) -> Callable[[Located | None], None]:
    """The `authorise` of a command on an existing stream: `principal` may `action` objects
    of `kind` where the object is."""

    def authorise(state: Located | None) -> None:
        assert state is not None, "the path loads the state of a command on an existing stream"
        authorizer.check(principal, action, state.commune_code, kind)

    return authorise


def changed(state: Changed) -> dict[str, Any]:
    return {"id": str(state.id), "version": state.version, "status": state.status.value}
