"""The reporting service's errors, built on the shared ones (`lmis_shared.errors`).

Each names the input it is about (`field`: `period`, `unit`, `parent`, `code`, `by`, ...);
the HTTP layer says where that input travels (query, path or body) when it maps them to
problem details, in one place. Messages never quote what the caller sent.
"""

from __future__ import annotations

from lmis_shared.errors import InvalidInput, NotFound


class InvalidPeriod(InvalidInput):
    def __init__(self, reason: str) -> None:
        super().__init__("period", reason)


class InvalidAsOf(InvalidInput):
    """An `as_of` day still to come: nothing is known at its end yet."""

    def __init__(self) -> None:
        super().__init__("as_of", "must not be after today (Asia/Ho_Chi_Minh)")


class UnitNotFound(NotFound):
    def __init__(self, code: str, hierarchy: str, field: str) -> None:
        super().__init__(f"{hierarchy} administrative unit", code)
        self.code = code
        self.hierarchy = hierarchy
        self.field = field


class UnknownIndicator(NotFound):
    def __init__(self, code: str, field: str = "code") -> None:
        super().__init__("indicator", code)
        self.code = code
        self.field = field


class UnknownDimension(InvalidInput):
    """`by` names no dimension of the indicator; the message lists the ones it has."""

    def __init__(self, dimensions: tuple[str, ...]) -> None:
        super().__init__("by", f"must be one of: {', '.join(dimensions)}")


class InvalidTarget(InvalidInput):
    """A target's year, span or value that no comparison could use (`field` names which)."""


class UnknownReportKind(NotFound):
    def __init__(self, code: str) -> None:
        super().__init__("report kind", code)
        self.code = code
        self.field = "kind"


class InvalidReportPeriod(InvalidInput):
    """A report's period that is no period, or not of the report's kind (a month, a year)."""


class ReportNotFiled(NotFound):
    def __init__(self, report: str) -> None:
        super().__init__("filed report", report)
        self.field = "report"


class WrongFilingUnit(InvalidInput):
    """A report filed by a unit of the wrong level (a monthly report by a province...)."""

    def __init__(self, message: str) -> None:
        super().__init__("report_unit", message)
