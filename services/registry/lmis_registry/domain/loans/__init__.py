"""VBSP preferential loans: their own aggregate, linked to a worker file by id.

Pure like every domain module: no HTTP, database or broker. The parts:
    commands   what an officer asks (`ApplyForLoan`, `ApproveLoan`, ... `SettleLoan`)
    schedule   the instalment arithmetic (integer VND, rounding rule in its docstring)
    state      `Loan`, `LoanStatus`, `allowed_commands`
    decide     `decide(loan | None, command, today, borrower=...)`
    evolve     `evolve(loan | None, event, stream_id)`; `AGGREGATE` for the command path
    position   `position(loan, as_of)`: outstanding, next due instalment, overdue (derived)
"""

from lmis_registry.domain.loans.commands import (
    ApplyForLoan,
    ApproveLoan,
    DisburseLoan,
    LoanCommand,
    RecordRepayment,
    RejectLoan,
    RestructureLoan,
    SettleLoan,
    WriteOffLoan,
)
from lmis_registry.domain.loans.decide import Borrower, decide
from lmis_registry.domain.loans.errors import LoanNotFound
from lmis_registry.domain.loans.evolve import evolve
from lmis_registry.domain.loans.position import DueInstalment, LoanPosition, position
from lmis_registry.domain.loans.state import Loan, LoanStatus, allowed_commands
from lmis_shared.commands import Aggregate

AGGREGATE = Aggregate("loan", evolve, LoanNotFound)
"""The loan for the command path: stream type `loan`, its `evolve`, its 404."""

__all__ = [
    "AGGREGATE",
    "ApplyForLoan",
    "ApproveLoan",
    "Borrower",
    "DisburseLoan",
    "DueInstalment",
    "Loan",
    "LoanCommand",
    "LoanNotFound",
    "LoanPosition",
    "LoanStatus",
    "RecordRepayment",
    "RejectLoan",
    "RestructureLoan",
    "SettleLoan",
    "WriteOffLoan",
    "allowed_commands",
    "decide",
    "evolve",
    "position",
]
