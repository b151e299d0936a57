"""The stored side of an import as the application sees it: where imported files go (the
`BulkFiles` port), the ids they are stored under, and what a look for them found.

A row's file id is derived, not drawn (`imports.py` says why): uuid5 of the citizen ID's
keyed hash and the registration date.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple, Protocol
from uuid import UUID

from lmis_registry.application.import_rows import NewFile
from lmis_registry.domain import workers
from lmis_shared.commands import Change
from lmis_shared.events import versioned_uuid
from lmis_shared.imports import Row, vietnamese_date

FILE_ID_NAMESPACE = uuid.UUID("5b0f6a52-2c2e-5d8e-9a36-7f1c2b9e4d10")
_NAMESPACED = hashlib.sha1(FILE_ID_NAMESPACE.bytes, usedforsecurity=False)


def import_file_id(
    citizen_key: str, registered_on: date, made: Callable[[int, int], UUID] = versioned_uuid
) -> UUID:
    """The id of the file a row registers: its citizen's keyed hash and registration date.
    `uuid.uuid5`, twice as fast: the namespace's hash state is made once and copied, and the
    version bits are set on the integer (`UUID(version=5)` sets them in several steps).
    `made`: how the id is made of its integer and version (`events.spelled_uuid`)."""
    digest = _NAMESPACED.copy()
    digest.update(f"{citizen_key}|{registered_on.isoformat()}".encode())
    return made(int.from_bytes(digest.digest()[:16]), 5)


@dataclass(frozen=True)
class Looked:
    """What a look for stored files found, before the batch was prepared."""

    ids: frozenset[UUID]
    found: dict[UUID, ImportedFile]


class ImportedFile(NamedTuple):
    """A file that exists already: the correlation id that made it, and its commune now. A
    tuple: a re-run finds every row's (a frozen dataclass is three times dearer to make)."""

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


class Looks:
    """One import's looks for stored files and open files, batch after batch.

    Each look costs the database a probe per row, and a save needs none of them to be right:
    a file or a claim it missed violates a key, the batch rolls back, and the next attempt
    looks again in full (`after_conflict`). So with `adaptive` (worker processes prepare the
    rows) a look is taken only while the last one of its kind found something: a re-run
    finds its files before preparing (its rows are then not sealed, and need no look for
    claims); a new file's batches are saved without a look once one found nothing. A batch
    with a stored file or a claimed citizen after one that found none costs a rolled-back
    save, and the looks start again.

    Claims first, files second: a claim and its file commit together, so a claim seen whose
    file is not seen after belongs to another file (this order cannot mistake a file another
    import commits in between for a second open file). Files looked for before preparing
    are taken, but for those not found whose citizen's claim is seen: they are looked for
    again, after."""

    def __init__(self, files: BulkFiles, *, adaptive: bool) -> None:
        self._files = files
        self._adaptive = adaptive
        self._for_files = True
        self._for_claims = True

    async def before_preparing(self, rows: Sequence[Row]) -> Looked | None:
        """What the rows' likely files are, if looking pays; None if not looked."""
        if not self._for_files:
            return None
        likely = likely_file_ids(self._files, rows)
        found = await self._files.existing(likely)
        self._for_files = bool(found) or not self._adaptive
        return Looked(frozenset(likely), found)

    def after_conflict(self) -> None:
        """A save rolled back: the next attempt and the batches after look again."""
        self._for_files = self._for_claims = True

    async def at_save(
        self, batch: Sequence[NewFile], looked: Looked | None
    ) -> tuple[dict[str, str | None], dict[UUID, ImportedFile]]:
        """The open-file holders of the batch's citizens and the batch's stored files (each
        empty when not looked for)."""
        known = looked.found if looked is not None else {}
        holders: dict[str, str | None] = {}
        if self._for_claims:
            opening = [p.citizen_id for p in batch if p.is_open and p.file_id not in known]
            holders = await self._files.open_file_holders(opening) if opening else {}
            self._for_claims = bool(holders) or not self._adaptive
        held = {p.file_id for p in batch if p.is_open and p.citizen_id in holders}
        if looked is None:
            if self._for_files:
                existing = await self._files.existing([p.file_id for p in batch])
                self._for_files = bool(existing) or not self._adaptive
                return holders, existing
            again = list(held)  # not looked for, but for the files whose claim was just seen
        else:
            again = [
                p.file_id
                for p in batch
                if p.file_id not in looked.ids or (p.file_id in held and p.file_id not in known)
            ]
        return holders, (known | await self._files.existing(again)) if again else known
