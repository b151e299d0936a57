"""VBSP preferential loans: their own aggregate, linked to a worker file by id.

Pure like every domain module: no HTTP, database or broker. The parts:
    commands   what an officer asks (`ApplyForLoan`, `ApproveLoan`, ... `SettleLoan`)
    schedule   the instalment arithmetic (integer VND, rounding rule in its docstring)
    state      `Loan`, `LoanStatus`, `evolve`, `fold`, `allowed_commands`
    decide     `decide_apply(command, commune, province, today)`, `decide(loan, command, today)`
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
from lmis_registry.domain.loans.decide import decide, decide_apply
from lmis_registry.domain.loans.errors import LoanNotFound
from lmis_registry.domain.loans.position import DueInstalment, LoanPosition, position
from lmis_registry.domain.loans.state import Loan, LoanStatus, allowed_commands, evolve, fold

__all__ = [
    "ApplyForLoan",
    "ApproveLoan",
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
    "decide_apply",
    "evolve",
    "fold",
    "position",
]
