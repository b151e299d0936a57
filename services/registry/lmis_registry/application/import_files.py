"""The stored side of an import as the application sees it: where imported files go (the
`BulkFiles` port), the ids they are stored under, and what a look for them found.

A row's file id is derived, not drawn (`imports.py` says why): uuid5 of the citizen ID's
keyed hash and the registration date.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

from lmis_registry.domain import workers
from lmis_shared.commands import Change
from lmis_shared.imports import Row, vietnamese_date

FILE_ID_NAMESPACE = uuid.UUID("5b0f6a52-2c2e-5d8e-9a36-7f1c2b9e4d10")
_NAMESPACED = hashlib.sha1(FILE_ID_NAMESPACE.bytes, usedforsecurity=False)
_VERSION_BITS = ~(0xF000 << 64) & ~(0xC000 << 48)
_VERSION_5 = (5 << 76) | (0x8000 << 48)  # version 5, RFC 9562's variant


def import_file_id(citizen_key: str, registered_on: date) -> UUID:
    """The id of the file a row registers: its citizen's keyed hash and registration date.
    `uuid.uuid5`, twice as fast: the namespace's hash state is made once and copied, and the
    version bits are set on the integer (`UUID(version=5)` sets them in several steps)."""
    digest = _NAMESPACED.copy()
    digest.update(f"{citizen_key}|{registered_on.isoformat()}".encode())
    value = int.from_bytes(digest.digest()[:16])
    return UUID(int=value & _VERSION_BITS | _VERSION_5)


@dataclass(frozen=True)
class Looked:
    """What a look for stored files found, before the batch was prepared."""

    ids: frozenset[UUID]
    found: dict[UUID, ImportedFile]


@dataclass(frozen=True)
class ImportedFile:
    """A file that exists already: the correlation id that made it, and its commune now."""

    correlation_id: UUID
    commune_code: str | None


class BulkFiles(Protocol):
    """Where imported files go: PostgreSQL (`adapters/bulk_files.py`) or the fake."""

    def file_id(self, citizen_id: str, registered_on: date) -> UUID:
        """`import_file_id` with the citizen ID hashed under the service's lookup key."""
        ...

    async def existing(self, file_ids: Sequence[UUID]) -> dict[UUID, ImportedFile]:
        """Those of `file_ids` that already have events: who made them, where they are."""
        ...

    async def open_file_holders(self, citizen_ids: Sequence[str]) -> dict[str, str | None]:
        """Those of `citizen_ids` that already have an open file → that file's commune (None
        when it cannot be told)."""
        ...

    async def save_new(self, changes: Sequence[Change[workers.WorkerFile]]) -> None:
        """Save new files all together or not at all; raises the store's WrongExpectedVersion
        (a file exists) or OpenFileExists (a citizen's file is open) and saves nothing."""
        ...


def likely_file_ids(files: BulkFiles, rows: Sequence[Row]) -> list[UUID]:
    """The file ids the rows' cells give before validation, to look for stored files before
    the rows are prepared. Only a saving: a row whose id is not guessed right is prepared
    in full, and looked for at its save as any."""
    ids = []
    for row in rows:
        citizen, registered = row.values.get("citizen_id"), row.values.get("registered_on")
        if citizen and registered:
            try:
                ids.append(files.file_id(citizen, vietnamese_date(registered)))
            except ValueError:
                continue
    return ids
