"""Refusals of the worker-file rules that span more than one file."""

from __future__ import annotations

from lmis_shared.errors import DomainError


class OpenFileExists(DomainError):
    """The citizen already has an open worker file (one open file per person at a time).

    Which file it is stays out of the message: the caller may not be allowed to see it.
    `holder_commune`, the open file's commune where known, lets the use case tell a caller
    who may read that file from one who may not (`lmis_shared.errors.RegistrationRefused`).
    """

    def __init__(self, holder_commune: str | None = None) -> None:
        super().__init__("this citizen already has an open worker file")
        self.holder_commune = holder_commune
