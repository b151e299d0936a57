"""`lmis privacy migrate`: seal, once, the personal fields an existing store holds in clear.

The store is append-only (a trigger refuses UPDATE); migration `eventstore/0002` lets an UPDATE
of `data` through only in a transaction of the schema's owner that sets
`lmis.seal_personal_data`, which only this module does. One transaction per stream:

  1. lock the stream's rows; take those with a personal field in clear;
  2. seal them as an append would (the subject's data key is made in the same transaction);
  3. check before writing: every sealed row opens back to exactly the clear data, and the
     digest of its non-personal part is unchanged;
  4. update those rows' `data`, and check the number of rows updated.

Idempotent: a sealed field is never sealed again, so a second run finds nothing to do.

Copies made before the migration are not reached by it: the relays do not publish rewritten
rows again, and the records already on the topics keep the clear fields until the topics'
retention removes them. Lower the topics' `retention.ms` for that while (or recreate them and
reset the relays' checkpoints to publish the sealed rows again). Event topics are never
compacted: compaction by stream id would drop events.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

from lmis_shared.events import catalogue
from lmis_shared.privacy.personal import PersonalData, personal_of
from lmis_shared.sql import in_schema

SETTING = "lmis.seal_personal_data"
ACTOR = "privacy-migration"

_CANDIDATES = (
    "select distinct stream_id from {s}.events where event_type = any($1::text[])"
    " and exists (select 1 from jsonb_each(data) f where f.key = any($2::text[])"
    " and jsonb_typeof(f.value) = 'object' and not f.value ? '$enc')"
)
_STREAM = (
    "select version, event_type, data::text as data from {s}.events where stream_id = $1"
    " order by version for update"
)
_UPDATE = (
    "update {s}.events set data = u.data::jsonb from unnest($2::bigint[], $3::text[])"
    " as u(version, data) where stream_id = $1 and events.version = u.version"
)


@dataclass(frozen=True)
class SealingReport:
    streams: int
    events: int


@dataclass(frozen=True)
class _Context:
    actor: str
    recorded_at: datetime


@dataclass(frozen=True)
class _Row:
    stream_id: UUID
    event_type: str
    data: dict[str, Any]
    context: _Context


class SealingMismatch(RuntimeError):
    """A sealed row would not be the same event: nothing of its stream is written."""


async def seal_clear_events(
    pool: asyncpg.Pool, schema: str, personal: PersonalData
) -> SealingReport:
    """Seal every clear personal field of the store in `schema`; returns what was sealed."""
    types = sorted(t for t in catalogue() if personal_of(t))
    fields = sorted({f for t in types for f in personal_of(t)})
    streams = await pool.fetch(in_schema(_CANDIDATES, schema), types, fields)
    sealed = 0
    for row in streams:
        sealed += await _seal_stream(pool, schema, personal, row["stream_id"])
    return SealingReport(len(streams), sealed)


async def _seal_stream(
    pool: asyncpg.Pool, schema: str, personal: PersonalData, stream_id: UUID
) -> int:
    context = _Context(ACTOR, datetime.now(UTC))
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("select set_config($1, 'on', true)", SETTING)
        stored = await conn.fetch(in_schema(_STREAM, schema), stream_id)
        rows = [_Row(stream_id, r["event_type"], json.loads(r["data"]), context) for r in stored]
        sealed = await personal.seal(conn, rows)
        keys = await personal.data_keys(conn, [stream_id])
        changed: list[tuple[int, dict[str, Any]]] = []
        for r, row, data in zip(stored, rows, sealed, strict=True):
            if data != row.data:
                _check(personal, keys, row, data)
                changed.append((r["version"], data))
        updated = await conn.execute(
            in_schema(_UPDATE, schema),
            stream_id,
            [v for v, _ in changed],
            [json.dumps(d, ensure_ascii=False) for _, d in changed],
        )
        if updated != f"UPDATE {len(changed)}":
            raise SealingMismatch(f"stream {stream_id}: {updated}, {len(changed)} expected")
        return len(changed)


def _check(personal: PersonalData, keys: Any, row: _Row, sealed: dict[str, Any]) -> None:
    fields = personal_of(row.event_type)
    if _digest(row.data, fields) != _digest(sealed, fields):
        raise SealingMismatch(f"stream {row.stream_id}: a non-personal field changed")
    opened, erased = personal.open_data(keys, row.event_type, row.stream_id, sealed)
    if erased or opened != row.data:
        raise SealingMismatch(f"stream {row.stream_id}: a sealed event does not open back")


def _digest(data: dict[str, Any], personal: tuple[str, ...]) -> str:
    rest = {k: v for k, v in data.items() if k not in personal}
    return hashlib.sha256(json.dumps(rest, sort_keys=True).encode()).hexdigest()
