"""The permits service's errors: the shared kinds, named for this domain.

Subclassing `lmis_shared.errors` means the one problem-detail mapping in the web foundation
already knows how to show them; the one error of our own (`HeadcountExceeded`) is mapped in
`entrypoints/problems.py`. A field's value that breaks a rule is the shared `InvalidInput`,
naming the field. Messages never carry a personal identifier (name, passport number).
"""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from lmis_shared.errors import DomainError, InvalidTransition, NotFound

T = TypeVar("T")


class IllegalTransition(InvalidTransition):
    """The command is not allowed in the object's current state."""


def existing(state: T | None, creates: str, command: str) -> T:
    """`state`; a command (or event) on a stream that `creates` has not started is refused."""
    if state is None:
        raise IllegalTransition("absent", [creates], command=command)
    return state


class EmployerNotFound(NotFound):
    def __init__(self, tax_code: str) -> None:
        super().__init__("employer", tax_code)  # a tax code identifies a firm, not a person
        self.tax_code = tax_code


class DemandNotFound(NotFound):
    def __init__(self, demand_id: UUID) -> None:
        super().__init__("demand", str(demand_id))
        self.demand_id = demand_id


class ForeignWorkerNotFound(NotFound):
    def __init__(self, worker_id: UUID) -> None:
        super().__init__("foreign worker file", str(worker_id))
        self.worker_id = worker_id


class HeadcountExceeded(DomainError):
    """Engaging one more foreigner would exceed what the approved demands allow."""

    def __init__(self, position: str, approved: int, engaged: int) -> None:
        super().__init__(
            f"the approved demand allows {approved} foreigner(s) as {position}; "
            f"{engaged} already engaged"
        )
        self.position = position
        self.approved = approved
        self.engaged = engaged

    def extensions(self) -> dict[str, object]:
        return {"position": self.position, "approved": self.approved, "engaged": self.engaged}
