"""The agency feeds in PostgreSQL: the catalogue's rows, the fan-out's transaction (subjects,
outbox, access record) and the outbox's reads (the pull API, the feed relay)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

from lmis_notify.adapters import feed_sql as q
from lmis_notify.adapters._columns import column_arrays
from lmis_notify.application.feed_ports import ERASED, FeedRecord, FeedState, StoredFeedRecord
from lmis_notify.domain.feed_routing import SubjectUnits
from lmis_notify.domain.feeds import Feed
from lmis_shared.access.postgres import PostgresAccessLog
from lmis_shared.access.record import AccessEntry
from lmis_shared.commands.streams import Change, RowsAfterAppend
from lmis_shared.contracts.feeds import FeedCatalogue, FeedDefinition, feed_topic
from lmis_shared.events import RecordedEvent
from lmis_shared.eventstore.rows import event_from_row
from lmis_shared.privacy.personal import personal_of
from lmis_shared.processing import Connection
from lmis_shared.sql import in_schema

EXPORT = "export"
_PURPOSE_CHARS = 200  # the access record's purpose is one header-sized line


class FeedRows(RowsAfterAppend[Feed]):
    """The `feeds` row of a feed's stream, in its append's transaction (`ReadModel[Feed]`)."""

    def __init__(self, schema: str) -> None:
        super().__init__(schema)
        self._save = in_schema(q.SAVE_FEED, schema)

    async def apply(self, connection: Any, change: Change[Feed]) -> None:
        feed = change.after
        await connection.execute(
            self._save,
            feed.definition.name,
            feed.definition.model_dump_json(),
            feed.catalogue_version,
            feed.version,
            change.context.recorded_at,
            change.context.actor,
        )


class PostgresFeedReads:
    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._catalogue = in_schema(q.CATALOGUE, schema)
        self._page = in_schema(q.PAGE, schema)

    async def catalogue(self) -> list[FeedState]:
        rows = await self._pool.fetch(self._catalogue)
        return [
            FeedState(
                FeedDefinition.model_validate_json(r["definition"]),
                r["catalogue_version"],
                r["version"],
                r["defined_at"],
                r["defined_by"],
            )
            for r in rows
        ]

    async def page(
        self, feed: str, unit: str | None, after: tuple[int, int] | None, limit: int
    ) -> list[StoredFeedRecord]:
        tx_id, seq = after or (0, 0)
        rows = await self._pool.fetch(self._page, feed, unit, tx_id, seq, limit)
        return [stored_record(r) for r in rows]


class PostgresFeedBook:
    """`FeedBook` on the projection's connection, inside its transaction."""

    def __init__(self, conn: Connection, schema: str, access: PostgresAccessLog) -> None:
        self._conn = conn
        self._schema = schema
        self._access = access

    def _sql(self, statement: str) -> str:
        return in_schema(statement, self._schema)

    async def definitions(self) -> list[FeedDefinition]:
        rows = await self._conn.fetch(self._sql(q.DEFINITIONS))
        return [FeedDefinition.model_validate_json(r[0]) for r in rows]

    async def subjects(self, ids: Sequence[UUID]) -> dict[UUID, SubjectUnits]:
        rows = await self._conn.fetch(self._sql(q.SUBJECTS), list(ids))
        return {r[0]: SubjectUnits(r[1], r[2], r[3]) for r in rows}

    async def save_subjects(self, subjects: Mapping[UUID, SubjectUnits]) -> None:
        items = list(subjects.items())
        await self._conn.execute(
            self._sql(q.SAVE_SUBJECTS),
            [i for i, _ in items],
            [s.commune for _, s in items],
            [s.province for _, s in items],
            [s.borrower for _, s in items],
        )

    async def add(self, records: Sequence[FeedRecord]) -> None:
        await self._conn.execute(self._sql(q.INSERT), *outbox_columns(records))

    async def record_access(self, feed: FeedDefinition, records: Sequence[FeedRecord]) -> None:
        fields = sorted({name for r in records for name in r.data})
        units = sorted({r.unit for r in records if r.unit}) or list(feed.units)
        entry = AccessEntry(
            recorded_at=datetime.now(UTC),
            actor=f"feed:{feed.name}",
            role=feed.roles[0],
            unit=",".join(units),
            action=EXPORT,
            subjects=tuple(dict.fromkeys(str(r.metadata.stream_id) for r in records)),
            fields=tuple(fields),
            purpose=feed.purpose[:_PURPOSE_CHARS],
        )
        await self._access.append_on(self._conn, entry)

    async def clear(self) -> None:
        await self._conn.execute(self._sql(q.CLEAR))

    async def forget(self, subject: UUID) -> None:
        rewritten = []
        for feed, unit, event_id, event_type, text in await self._conn.fetch(
            self._sql(q.OF_SUBJECT), subject
        ):
            forgotten = forgotten_data(event_type, json.loads(text))
            if forgotten is not None:
                rewritten.append((feed, unit, event_id, json.dumps(forgotten)))
        if rewritten:
            await self._conn.executemany(self._sql(q.REWRITE), rewritten)


def outbox_columns(records: Sequence[FeedRecord]) -> tuple[list[Any], ...]:
    """The outbox columns after (tx_id, seq), an array each, of `records`."""
    return column_arrays(
        records,
        "feed",
        lambda r: r.unit or "",
        "metadata.event_id",
        "metadata.event_type",
        "metadata.stream_id",
        "metadata.stream_type",
        "metadata.stream_version",
        lambda r: json.dumps(r.data, ensure_ascii=False),
        "metadata.recorded_at",
        "metadata.actor",
        "metadata.correlation_id",
        "metadata.causation_id",
        "metadata.traceparent",
        "metadata.source",
    )


def forgotten_data(event_type: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """A record's data once its person is erased (personal fields null and named), or None
    if it holds none of them."""
    erased = [f for f in personal_of(event_type) if data.get(f) is not None]
    if not erased:
        return None
    return {**data, **dict.fromkeys(erased), ERASED: erased}


async def seed_catalogue(pool: asyncpg.Pool, schema: str, shipped: FeedCatalogue) -> None:
    """The shipped catalogue into the `feeds` rows: feeds the store lacks, and those defined
    under an older catalogue version (a newer release wins over an admin's earlier change;
    an admin's change under the current version stays). Not an event: the file's history,
    versioned with the code, is the audit of what was shipped."""
    feeds = shipped.feeds
    await pool.execute(
        in_schema(q.SEED, schema),
        [f.name for f in feeds],
        [f.model_dump_json() for f in feeds],
        [shipped.version] * len(feeds),
        [0] * len(feeds),
        [datetime.now(UTC)] * len(feeds),
        [f"catalogue v{shipped.version}"] * len(feeds),
    )


def stored_record(row: asyncpg.Record) -> StoredFeedRecord:
    """An outbox row: its columns are an event table's, plus the feed and its unit."""
    event = event_from_row(row)
    record = FeedRecord(row["feed"], row["unit"] or None, event.metadata, event.data)
    return StoredFeedRecord((int(row["tx_id"]), int(row["seq"])), record)


class FeedEvent(RecordedEvent):
    """An outbox row as the relay publishes it: the source event's metadata, the reduced
    data, the feed's topic."""

    topic: str


class FeedOutboxSource:
    """The relay's `EventSource` over the whole feed outbox, in (tx_id, seq) order."""

    def __init__(self, pool: asyncpg.Pool, schema: str, topic_prefix: str) -> None:
        self._pool = pool
        self._read_all = in_schema(q.READ_ALL, schema)
        self._prefix = topic_prefix

    async def read_all(self, after: tuple[int, int] | None, limit: int = 500) -> list[Any]:
        tx_id, seq = after or (0, 0)
        rows = await self._pool.fetch(self._read_all, tx_id, seq, limit)
        return [self._event(stored_record(r)) for r in rows]

    def _event(self, stored: StoredFeedRecord) -> FeedEvent:
        r = stored.record
        topic = feed_topic(self._prefix, r.feed, r.unit)
        return FeedEvent(metadata=r.metadata, data=r.data, position=stored.position, topic=topic)
