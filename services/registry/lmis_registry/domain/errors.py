"""The registry's errors: the shared kinds, named for this domain.

Subclassing `lmis_shared.errors` means the one problem-detail mapping in the web foundation
already knows how to show them (status, type, extension fields); nothing is mapped per route.
"""

from __future__ import annotations

from uuid import UUID

from lmis_shared.errors import InvalidInput, InvalidTransition, NotFound


class InvalidField(InvalidInput):
    """A field's value breaks a business rule that needs more than the field itself."""


class IllegalTransition(InvalidTransition):
    """The command is not allowed in the file's current state."""


class WorkerNotFound(NotFound):
    def __init__(self, worker_id: UUID) -> None:
        super().__init__("worker file", str(worker_id))
        self.worker_id = worker_id
