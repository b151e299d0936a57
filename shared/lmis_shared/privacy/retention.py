"""Retention: closed files whose retention period has passed are due for erasure.

A file is closed by an event whose contract says so (`closes_file = True`: a worker's return
or withdrawal, the end of a foreign worker's employment); the retention period after closing
is a setting of the service that keeps that kind of record (`retention_years`). `lmis privacy
due` lists what is due, for review; `lmis privacy erase --due --actor <who> --basis <text>`
erases it through each service's own erase command, so nothing is erased without an actor and
every erasure is an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from lmis_shared.events import catalogue
from lmis_shared.sql import in_schema

_DUE = (
    "select e.stream_id, e.stream_type, max(e.recorded_at) as closed_at from {s}.events e"
    " where e.event_type = any($1::text[]) and not exists (select 1 from {s}.person_keys k"
    " where k.subject_id = e.stream_id and k.erased_at is not null)"
    " group by e.stream_id, e.stream_type having max(e.recorded_at) < $2"
    " order by closed_at, e.stream_id"
)


@dataclass(frozen=True)
class Due:
    subject_id: UUID
    stream_type: str
    closed_at: datetime


def closing_event_types() -> list[str]:
    """Every catalogued event type that closes a file."""
    return sorted(t for t, cls in catalogue().items() if getattr(cls, "closes_file", False))


async def due_for_erasure(pool: asyncpg.Pool, schema: str, closed_before: datetime) -> list[Due]:
    """The files of `schema` closed before `closed_before` and not erased yet."""
    rows = await pool.fetch(in_schema(_DUE, schema), closing_event_types(), closed_before)
    return [Due(r["stream_id"], r["stream_type"], r["closed_at"]) for r in rows]


def retention_cutoff(now: datetime, years: int) -> datetime:
    """`now` minus `years` (29 February falls back to 28)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)
