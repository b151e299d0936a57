"""What an import asks the event store before it writes a batch: which of the batch's file ids
exist already. An import derives each file's id from the row (`import_file_id`), so a file
found here was imported before, and its first event's correlation id names that import."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from lmis_shared.sql import in_schema

_OPENED_BY = (
    "select stream_id, correlation_id from {s}.events"
    " where stream_id = any($1::uuid[]) and version = 1"
)


async def opened_by(
    pool: asyncpg.Pool, schema: str, stream_ids: Sequence[UUID]
) -> dict[UUID, UUID]:
    """Of `stream_ids`, those that exist, each with the correlation id that opened it."""
    rows = await pool.fetch(in_schema(_OPENED_BY, schema), list(stream_ids))
    return {r["stream_id"]: r["correlation_id"] for r in rows}
