"""What an import refuses: a whole file (`UnreadableFile`, a 422 naming `file`) or single rows
(`RowError`, reported back, the good rows imported).

Neither ever quotes a cell: a cell may hold a citizen ID or a name. A row error names the row
(as the spreadsheet numbers it: the heading row is row 1), the column (as headed in the file)
and the field, and says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lmis_shared.errors import InvalidInput
from lmis_shared.imports.reasons_vi import reason_vi


class UnreadableFile(InvalidInput):
    """The file cannot be imported at all (format, encoding, headings): nothing is imported."""

    def __init__(self, message: str) -> None:
        super().__init__("file", message)


@dataclass(frozen=True, order=True)
class RowError:
    row_number: int
    column: str
    field: str
    reason: str
    """In English, as the API answers it; `reason_vi` is the error report's text."""

    @property
    def reason_vi(self) -> str:
        return reason_vi(self.reason)

    def as_json(self) -> dict[str, object]:
        return {
            "row": self.row_number,
            "column": self.column,
            "field": self.field,
            "reason": self.reason,
            "reason_vi": self.reason_vi,
        }


class RowRejected(Exception):
    """A row that cannot become its commands; `errors` says why, field by field."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(f"row rejected ({len(errors)} errors)")
        self.errors = list(errors)
