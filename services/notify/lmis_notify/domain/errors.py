"""The notify service's own errors: kinds of the shared ones, whose problem types serve them
(`entrypoints/problems.py`)."""

from __future__ import annotations

from lmis_shared.errors import InvalidInput, NotFound


class InvalidReport(InvalidInput):
    """A report kind, unit or period that does not exist; `field` names the path part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"path.{field}", message)


class AlertNotFound(NotFound):
    def __init__(self, alert_id: str) -> None:
        super().__init__("alert", alert_id)
