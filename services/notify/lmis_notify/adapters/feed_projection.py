"""The feed projection: the services' events in, the feed outbox out (`FeedFanout`).

A `lmis_shared.processing.Projection`, so a redelivered or replayed event is skipped by its
stream's position, committed in the same transaction as its outbox rows and access entries:
each source event yields each feed's record once. The feed relay (`feed_relay.py`) publishes
the outbox in commit order. `rebuild` (`lmis rebuild notify`, after a purpose changed) empties
the outbox and the subjects and derives them again from the event stores in one transaction;
the relay then publishes the new rows (agencies de-duplicate on `ce_id`). `rebuild_beside_live`
(what `lmis rebuild notify` runs) derives them in memory and swaps in what differs, the relays
and live processing going on (`feed_rebuild.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import asyncpg

from lmis_notify.adapters.feed_rebuild import rebuild_feeds
from lmis_notify.adapters.feed_store import PostgresFeedBook
from lmis_notify.adapters.migrations import MIGRATIONS
from lmis_notify.application.feed_fanout import FeedFanout
from lmis_shared.access.postgres import ACCESS_MIGRATIONS, PostgresAccessLog
from lmis_shared.events import catalogue
from lmis_shared.migrations import Migration
from lmis_shared.processing import Connection, Decoded, Projection

SOURCE_DOMAINS = ("registry", "permits", "notify")
"""notify: its alerts, of the rules a feed's `where` names (the police: broker fraud)."""
NOT_FOR_AGENCIES = frozenset({"reporting"})  # filings: nothing an agency's purpose needs


def feed_sources(domains: list[str]) -> list[str]:
    """The source domains whose topics (and stores, for a rebuild) the feeds read."""
    return [d for d in domains if d not in NOT_FOR_AGENCIES]


def source_event_types() -> frozenset[str]:
    """Every event type a feed may carry: those of the services agencies hear about."""
    return frozenset(t for t in catalogue() if t.split(".")[1] in SOURCE_DOMAINS)


class FeedProjection(Projection):
    name: ClassVar[str] = "notify.feeds"
    event_types: ClassVar[frozenset[str]] = source_event_types()

    def __init__(self, pool: asyncpg.Pool, schema: str, fanout: FeedFanout) -> None:
        super().__init__(pool, schema)
        self._fanout = fanout
        self._access = PostgresAccessLog(pool, schema)

    def migrations(self) -> Sequence[Migration]:
        return [*MIGRATIONS, *ACCESS_MIGRATIONS]

    async def apply(self, conn: Connection, events: Sequence[Decoded]) -> None:
        book = PostgresFeedBook(conn, self.schema, self._access)
        await self._fanout.apply(book, [(d.event.metadata, d.event.data) for d in events])

    async def rebuild_beside_live(self, sources: Sequence[str], **options: object) -> int:
        """Rebuild from the stores of `sources` (schemas) in memory, swapped in at the end;
        `options` go to `rebuild_projection`. Returns how many events it replayed."""
        projection = (self.name, self.event_types)
        return await rebuild_feeds(
            self.pool, self.schema, projection, self._fanout, sources, **options
        )

    async def clear(self, conn: Connection) -> None:
        await PostgresFeedBook(conn, self.schema, self._access).clear()
