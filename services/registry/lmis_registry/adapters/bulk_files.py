"""Imported worker files on PostgreSQL: a whole batch of new files in ONE transaction, their
events (`lmis_shared.eventstore.bulk`), open-file claims and list rows each with COPY.

As for a single command (`worker_files.py`), the append comes first and a refused claim rolls
everything back. Rows are taken in id order and claims in key order so that two imports
writing overlapping batches wait for each other instead of deadlocking (a prepared batch's
list rows then go in the list's order: `import_lines.in_list_order`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from uuid import UUID

import asyncpg

from lmis_registry.adapters import import_lines, open_files, worker_list
from lmis_registry.application.import_files import ImportedFile, import_file_id
from lmis_registry.application.import_prepared import PreparedFile
from lmis_registry.application.imports import BATCH_SIZE
from lmis_registry.domain.workers import OpenFileExists, WorkerFile
from lmis_shared.commands import Change
from lmis_shared.eventstore.bulk import PlannedEvent, copy_new_event_rows, copy_new_events
from lmis_shared.eventstore.copy_rows import copy_rows_into
from lmis_shared.eventstore.postgres import Connection
from lmis_shared.eventstore.signal import CommitSignal
from lmis_shared.privacy.personal import PersonalData
from lmis_shared.processing.copy_binary import field_count, text_field, uuid_field
from lmis_shared.sql import in_schema

KEYS_KEPT = 8 * BATCH_SIZE
# the commune of each open file, from the list row written in the claim's transaction
_OPEN = (
    "select o.citizen_key, l.commune_code from {s}.open_files o"
    " left join {s}.worker_list l using (worker_id) where o.citizen_key = any($1::text[])"
)
_EXISTING = (
    "select e.stream_id, e.correlation_id, l.commune_code from {s}.events e"
    " left join {s}.worker_list l on l.worker_id = e.stream_id"
    " where e.stream_id = any($1::uuid[]) and e.version = 1"
)
_CLAIM_COLUMNS = ("citizen_key", "worker_id")
_CLAIM_START = field_count(len(_CLAIM_COLUMNS))


def claim_line(citizen_key: str, worker_id: UUID) -> bytes:
    """A file's `open_files` row as a binary COPY row (`processing/copy_binary.py`), like the
    list's (`worker_list.row_line`): the server's CPU 3.7 µs a row against 3.9 as a text line
    (five alternating runs). Its key is a SHA-256 hex digest, 64 bytes in every row, so rows
    sort as their keys: the claims' order."""
    return _CLAIM_START + text_field(citizen_key) + uuid_field(worker_id.int.to_bytes(16))


class PostgresBulkFiles:
    """Implements the application's `BulkFiles` port."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        lookup_secret: bytes,
        personal: PersonalData | None = None,
    ) -> None:
        self._pool = pool
        self._schema = schema
        self._secret = lookup_secret
        self._personal = personal
        self._signal = CommitSignal(pool, schema)
        # a row's citizen key is wanted twice (its file id before the batch is prepared, the
        # open-file look when it is saved, up to `ImportPool.window` batches later): an HMAC
        # each, so the last ones made are kept
        self._key = lru_cache(maxsize=KEYS_KEPT)(open_files.CitizenKeys(lookup_secret))

    def file_id(self, citizen_id: str, registered_on: date) -> UUID:
        return import_file_id(self._key(citizen_id), registered_on)

    async def existing(self, file_ids: Sequence[UUID]) -> dict[UUID, ImportedFile]:
        rows = await self._pool.fetch(in_schema(_EXISTING, self._schema), list(file_ids))
        return {stream: ImportedFile(made_by, commune) for stream, made_by, commune in rows}

    async def open_file_holders(self, citizen_ids: Sequence[str]) -> dict[str, str | None]:
        by_key = {self._key(c): c for c in citizen_ids}
        rows = await self._pool.fetch(in_schema(_OPEN, self._schema), list(by_key))
        return {by_key[r["citizen_key"]]: r["commune_code"] for r in rows}

    async def save_new(self, changes: Sequence[Change[WorkerFile]]) -> None:
        if not changes:
            return
        ordered = sorted(changes, key=lambda c: c.stream_id)
        if any(c.expected_version != 0 for c in ordered):
            raise ValueError("an import saves new files only")
        events = [  # numbered here: each a new stream's, from version 1
            PlannedEvent(
                e.event_id,
                e.payload.event_type,
                c.stream_id,
                c.stream_type,
                version,
                e.payload.model_dump(mode="json"),
                c.context,
            )
            for c in ordered
            for version, e in enumerate(c.events, start=1)
        ]
        claims = b"".join(
            sorted(
                claim_line(self._key(c.after.person.citizen_id), c.stream_id)
                for c in ordered
                if open_files.holds_claim(c.after)
            )
        )
        async with self._pool.acquire() as conn, conn.transaction():
            tx_id = await copy_new_events(conn, self._schema, events, self._personal)
            await self._claim(conn, claims)
            await conn.copy_records_to_table(
                "worker_list",
                schema_name=self._schema,
                columns=list(worker_list.COLUMNS),
                records=[worker_list.row_of(c.after) for c in ordered],
            )
        self._signal.committed_transaction(tx_id)  # committed: the relays may read them

    async def save_prepared(self, files: Sequence[PreparedFile]) -> None:
        """`save_new` for files a worker process prepared (`import_pool.py`): their rows are
        binary COPY rows already (`import_lines.py`), written in one transaction."""
        if not files:
            return
        events, keys, listed, claims = import_lines.copy_data(files)
        # the first in id order (compared by the ids' integers: `UUID.__lt__` is Python's)
        first = min(files, key=lambda f: f.file_id.int).file_id
        async with self._pool.acquire() as conn, conn.transaction():
            tx_id = await copy_new_event_rows(conn, self._schema, first, events, keys)
            await self._claim(conn, claims)
            await copy_rows_into(conn, self._schema, "worker_list", worker_list.COLUMNS, listed)
        self._signal.committed_transaction(tx_id)

    async def _claim(self, conn: Connection, claims: bytes) -> None:
        """The claims (`claim_line`s, in key order, joined) written with COPY: a key claimed
        already (or by a transaction that commits meanwhile: the COPY waits for it) violates
        the key and rolls back."""
        if not claims:
            return
        try:
            await copy_rows_into(conn, self._schema, "open_files", _CLAIM_COLUMNS, claims)
        except asyncpg.UniqueViolationError:  # a citizen's file was opened meanwhile
            raise OpenFileExists() from None
