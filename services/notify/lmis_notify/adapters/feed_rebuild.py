"""Rebuilding the feed projection beside live traffic (`lmis rebuild notify`, after a feed's
purpose changed): the fan-out derived again in memory and swapped in.

`lmis_shared.processing.rebuilding` reads the event stores in chunks of read-only statements
(the relays go on publishing) into a `FeedReplica`: the live `FeedFanout` over a
`MemoryFeedBook` (the catalogue's definitions as the rebuild began; the same key grant opens
the fields a purpose allows). The outbox and the subjects are staged and swapped in under the
projection's lock, writing only what differs: an outbox row the live fan-out made the same is
left where it is (the feed relay does not publish it again), a row that is new is inserted,
in its streams' version order (the relay publishes it once), a row whose data changed (a
purpose changed) is deleted and inserted again at a new position (the relay and the webhooks
deliver it again, under the same `ce_id`), and a row no feed routes any more is deleted. The
outbox's key (feed, unit, source event) keeps each record once per feed. What the agencies
receive from the rebuild, the new and the rewritten rows, goes into the access record in the
swap's transaction, as the live fan-out records what it adds.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, ClassVar
from uuid import UUID

import asyncpg

from lmis_notify.adapters.deadline_rebuild import event_metadata
from lmis_notify.adapters.feed_store import PostgresFeedBook, forgotten_data, outbox_columns
from lmis_notify.adapters.memory_alert_book import asked
from lmis_notify.application.feed_fanout import FeedFanout
from lmis_notify.application.feed_ports import FeedRecord
from lmis_notify.domain.feed_routing import SubjectUnits
from lmis_shared.access.postgres import PostgresAccessLog
from lmis_shared.contracts.feeds import FeedDefinition
from lmis_shared.eventstore.rows import EVENT_COLUMNS
from lmis_shared.processing import Connection
from lmis_shared.processing.rebuilding import rebuild_projection
from lmis_shared.processing.replay import Replayed
from lmis_shared.processing.staging import Replica, Row, Table
from lmis_shared.sql import in_schema
from lmis_shared.upcasting import upcast

OUTBOX = Table(
    "feed_outbox",
    ("feed", "unit", "event_id"),
    tuple(c for c in EVENT_COLUMNS if c != "event_id"),  # the outbox is shaped like the events
    order=("stream_id", "version"),
)
SUBJECTS = Table("feed_subjects", ("stream_id",), ("commune_code", "province_code", "borrower"))
_ACCESS_BATCH = 500  # records per access entry, as the live fan-out's batches

_REDERIVED = (
    "DELETE FROM {s}.feed_outbox l USING pg_temp.stage_feed_outbox s"
    " WHERE l.feed = s.feed AND l.unit = s.unit AND l.event_id = s.event_id"
    " AND l.data IS DISTINCT FROM s.data"
)
_RECEIVED = (
    "SELECT s.feed, s.unit, s.event_id FROM pg_temp.stage_feed_outbox s"
    " LEFT JOIN {s}.feed_outbox l USING (feed, unit, event_id)"
    " WHERE l.event_id IS NULL OR l.data IS DISTINCT FROM s.data"
)

OutboxKey = tuple[str, str, UUID]


class MemoryFeedBook:
    """The `FeedBook` port over dicts; remembers which rows it wrote."""

    def __init__(self, definitions: Sequence[FeedDefinition]) -> None:
        self._definitions = list(definitions)
        self.subject_units: dict[UUID, SubjectUnits] = {}
        self.outbox: dict[OutboxKey, FeedRecord] = {}
        self._of_stream: dict[UUID, list[OutboxKey]] = {}
        self.written: dict[str, set[Row]] = {OUTBOX.name: set(), SUBJECTS.name: set()}

    async def definitions(self) -> list[FeedDefinition]:
        return self._definitions

    async def subjects(self, ids: Sequence[UUID]) -> dict[UUID, SubjectUnits]:
        known = self.subject_units
        return {i: known[i] for i in ids if i in known}

    async def save_subjects(self, subjects: Mapping[UUID, SubjectUnits]) -> None:
        self.subject_units.update(subjects)
        self.written[SUBJECTS.name].update((i,) for i in subjects)

    async def add(self, records: Sequence[FeedRecord]) -> None:
        for r in records:
            key = (r.feed, r.unit or "", r.metadata.event_id)
            if key not in self.outbox:  # the live insert's `on conflict do nothing`
                self.outbox[key] = r
                self._of_stream.setdefault(r.metadata.stream_id, []).append(key)
                self.written[OUTBOX.name].add(key)

    async def record_access(self, feed: FeedDefinition, records: Sequence[FeedRecord]) -> None:
        """Nothing yet: what the agencies receive is known at the swap (`FeedSwap`)."""

    async def forget(self, subject: UUID) -> None:
        for key in self._of_stream.get(subject, ()):
            record = self.outbox[key]
            data = forgotten_data(record.metadata.event_type, record.data)
            if data is not None:
                self.outbox[key] = FeedRecord(record.feed, record.unit, record.metadata, data)
                self.written[OUTBOX.name].add(key)


def event_data(event: Replayed) -> dict[str, Any]:
    """The stored data as the live processor decodes it: upcast, sealed fields as sealed."""
    data: dict[str, Any] = json.loads(event.row["data"])
    return upcast(event.row["event_type"], data)[1]


class FeedReplica(Replica):
    tables: ClassVar[tuple[Table, ...]] = (OUTBOX, SUBJECTS)

    def __init__(self, book: MemoryFeedBook, fanout: FeedFanout) -> None:
        self.book = book
        self._fanout = fanout

    async def apply(self, events: Sequence[Replayed]) -> None:
        if events:
            await self._fanout.apply(
                self.book, [(event_metadata(e), event_data(e)) for e in events]
            )

    def rows(self, table: Table, keys: Collection[Row] | None = None) -> Iterable[Row]:
        if table is SUBJECTS:
            known = self.book.subject_units
            return (
                (i, known[i].commune, known[i].province, known[i].borrower)
                for i in asked(known, keys)
            )
        outbox = self.book.outbox
        records = [outbox[k] for k in asked(outbox, keys, whole=True)]
        return zip(*outbox_columns(records), strict=True) if records else iter(())

    def touched(self, table: Table) -> set[Row]:
        written, self.book.written[table.name] = self.book.written[table.name], set()
        return written


class FeedSwap:
    """The feed projection's part of the swap (`rebuilding.SwapSteps`): the access record of
    the rows the agencies will receive."""

    def __init__(self, schema: str, book: MemoryFeedBook, access: PostgresAccessLog) -> None:
        self._schema = schema
        self._book = book
        self._access = access

    async def locked(self, conn: Connection) -> None:
        return None

    async def staged(self, conn: Connection) -> None:
        received = await conn.fetch(in_schema(_RECEIVED, self._schema))
        by_feed: dict[str, list[FeedRecord]] = {}
        for feed, unit, event_id in received:
            by_feed.setdefault(feed, []).append(self._book.outbox[(feed, unit, event_id)])
        live = PostgresFeedBook(conn, self._schema, self._access)
        definitions = {d.name: d for d in await self._book.definitions()}
        for name, records in sorted(by_feed.items()):
            for start in range(0, len(records), _ACCESS_BATCH):
                batch = records[start : start + _ACCESS_BATCH]
                await live.record_access(definitions[name], batch)
        # a record derived differently goes out again: the swap inserts it at a new position
        await conn.execute(in_schema(_REDERIVED, self._schema))


async def rebuild_feeds(
    pool: asyncpg.Pool,
    schema: str,
    projection: tuple[str, Collection[str]],
    fanout: FeedFanout,
    sources: Sequence[str],
    **options: object,
) -> int:
    """Rebuild the feed projection (`projection`: its name and the types it handles) from the
    stores of `sources` and swap it in; returns how many events it replayed."""
    access = PostgresAccessLog(pool, schema)
    async with pool.acquire() as conn:
        definitions = await PostgresFeedBook(conn, schema, access).definitions()
    book = MemoryFeedBook(definitions)
    name, handled = projection
    return await rebuild_projection(
        pool,
        schema,
        name,
        handled,
        FeedReplica(book, fanout),
        sources,
        steps=FeedSwap(schema, book, access),
        **options,  # type: ignore[arg-type]
    )
