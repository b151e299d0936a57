"""One open foreign worker file per passport and nationality.

The same person registered twice (two employers' files, a typo in the tax code) would be
counted twice in the province's figures and escape the permit alerts of one of the files. A
file holds its claim while it is open (employment not ended) and not erased; the claim is a
keyed hash of nationality and passport number (`adapters/open_passports.py`), so the table
answers "is there an open file for this passport?" but never "whose passport is this?".
"""

from __future__ import annotations

from lmis_permits.domain.foreign_workers import FileStatus, ForeignWorkerFile
from lmis_shared.errors import DomainError

FIELD = "passport_number"


def passport_claim(state: object) -> str | None:
    """What the file claims: `<nationality>/<passport number>`, or None (not a foreign worker
    file, ended, or erased)."""
    if not isinstance(state, ForeignWorkerFile):
        return None
    if state.status is FileStatus.ended or state.erasure is not None:
        return None
    return f"{state.nationality}/{state.person.passport_number.strip().upper()}"


class OpenPassportFileExists(DomainError):
    """A file for this passport and nationality is open. Which file stays out of the message;
    `holder_commune` lets the use case tell a caller who may read it from one who may not."""

    def __init__(self, holder_commune: str | None = None) -> None:
        super().__init__("a foreign worker file with this passport and nationality is open")
        self.holder_commune = holder_commune

    def extensions(self) -> dict[str, object]:
        return {"errors": [{"field": f"body.{FIELD}", "message": str(self)}]}
