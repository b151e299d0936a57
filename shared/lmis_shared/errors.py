"""Errors every service shares, with the structured context a problem detail shows.

Pure Python (no FastAPI), so a service's `domain/` may raise these or subclass them.
`lmis_shared.web.problems.ProblemMapping` turns each into an RFC 9457 problem detail; a service
registers its own error classes there, in one place.

Messages and extension fields are shown to API clients and logged: never put a personal
identifier (citizen ID, passport number, name) in them.

Public API:
    DomainError                                   base; `.extensions() -> dict[str, object]`
    NotFound(kind: str, key: str)                 -> 404
    Forbidden(reason: str)                        -> 403
    Unseen(reason: str)                           a Forbidden on what the caller may not read:
                                                  -> 404 as if missing, where named by its id
    VersionMismatch                               base of the two below; `.expected`, `.actual`
    ConcurrencyConflict(expected: int | None, actual: int | None)   -> 409
    PreconditionFailed(expected: int, actual: int)                  -> 412 (stale If-Match)
    InvalidTransition(current_state, allowed_commands, command=None) -> 409
    InvalidInput(field: str, message: str)        -> 422 with errors=[{field, message}]
    RegistrationRefused()                         -> 409: a file the caller may not be told
                                                  why it cannot open (registry, permits)
"""

from __future__ import annotations

from collections.abc import Sequence


class DomainError(Exception):
    """Base of the shared errors; `extensions()` are extra members of the problem detail."""

    def extensions(self) -> dict[str, object]:
        return {}


class NotFound(DomainError):
    """No such object. The message does not repeat `key`: it is what the caller sent (a code,
    perhaps a person's), and an object the caller may not see answers this very message."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"no such {kind}")
        self.kind = kind
        self.key = key


class Forbidden(DomainError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Unseen(Forbidden):
    """Refused, and the caller may not even read the object: where the object was named by
    its id, the command path answers its not-found error instead (`CommandPath`), so that
    403 versus 404 does not tell whether an id exists outside the caller's scope."""


class VersionMismatch(DomainError):
    """A stream is not at the version someone expected; the problem shows both versions."""

    def __init__(self, message: str, expected: int | None, actual: int | None) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual

    def extensions(self) -> dict[str, object]:
        return {"expected_version": self.expected, "current_version": self.actual}


class ConcurrencyConflict(VersionMismatch):
    """Someone else appended to the stream first; reload and try again."""

    def __init__(self, expected: int | None, actual: int | None) -> None:
        super().__init__(f"expected version {expected}, found {actual}", expected, actual)


class PreconditionFailed(VersionMismatch):
    """The client's If-Match version is not the current one."""

    def __init__(self, expected: int, actual: int) -> None:
        message = f"If-Match asked for version {expected}; the current version is {actual}"
        super().__init__(message, expected, actual)


class InvalidTransition(DomainError):
    """The command is not allowed in the object's current state."""

    def __init__(
        self, current_state: str, allowed_commands: Sequence[str], command: str | None = None
    ) -> None:
        what = command or "this command"
        super().__init__(f"{what} is not allowed in state {current_state}")
        self.current_state = current_state
        self.allowed_commands = list(allowed_commands)
        self.command = command

    def extensions(self) -> dict[str, object]:
        return {"current_state": self.current_state, "allowed_commands": self.allowed_commands}


class InvalidInput(DomainError):
    """A value breaks a rule that needs more than the field's own schema to check."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def extensions(self) -> dict[str, object]:
        return {"errors": [{"field": self.field, "message": self.message}]}


class RegistrationRefused(DomainError):
    """A file (a worker's, a foreign worker's) cannot be opened by this caller, for a reason it
    may not be told: the person's open file lies outside what the caller may read, and saying
    so would tell that the person has a file there."""

    def __init__(self) -> None:
        super().__init__("the file cannot be opened from here; the province office can say why")
