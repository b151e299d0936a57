"""Loan errors beyond the registry's shared ones (`lmis_registry.domain.errors`)."""

from __future__ import annotations

from uuid import UUID

from lmis_shared.errors import NotFound


class LoanNotFound(NotFound):
    def __init__(self, loan_id: UUID) -> None:
        super().__init__("loan", str(loan_id))
        self.loan_id = loan_id
