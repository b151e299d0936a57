"""The deadline projection: registry, permits and report events in, deadlines and alerts out.

Built on `lmis_shared.processing.Projection`, so a redelivered or replayed event is skipped by
its stream's position, committed in the same transaction as its effects. What the new events
mean is the `Deadlines` use case's (`application/deadlines.py`); this class hands it the
transaction's alert book, holding the alerts lock.

`rebuild` forgets subjects, deadlines and submissions and replays in one transaction; alerts
stay (they are events) and, since their ids are deterministic, the replayed deadlines find them
instead of raising them again. `rebuild_beside_live` (what `lmis rebuild notify` runs) does the
same in memory and swaps it in, the relays, commands and live processing going on
(`deadline_rebuild.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import asyncpg

from lmis_notify.adapters.alert_book import ALERTS_LOCK, PostgresAlertBook
from lmis_notify.adapters.deadline_rebuild import rebuild_deadlines
from lmis_notify.adapters.migrations import MIGRATIONS
from lmis_notify.application.deadlines import Deadlines
from lmis_notify.application.recruitment import RecruitmentWatch
from lmis_notify.domain.recruitment import WATCHED_EVENT_TYPES
from lmis_notify.domain.rules import HANDLED_EVENT_TYPES
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.migrations import Migration
from lmis_shared.processing import Connection, Decoded, Projection


class DeadlineProjection(Projection):
    name: ClassVar[str] = "notify.deadlines"
    event_types: ClassVar[frozenset[str]] = HANDLED_EVENT_TYPES | WATCHED_EVENT_TYPES

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        deadlines: Deadlines,
        watch: RecruitmentWatch | None = None,
    ) -> None:
        super().__init__(pool, schema)
        self._deadlines = deadlines
        self._watch = watch
        self._store = PostgresEventStore(pool, schema)

    def migrations(self) -> Sequence[Migration]:
        return MIGRATIONS

    async def apply(self, conn: Connection, events: Sequence[Decoded]) -> None:
        book = await self._book(conn)
        pairs = [(d.event.metadata, d.payload) for d in events]
        await self._deadlines.apply(book, pairs)
        if self._watch is not None:
            await self._watch.apply(book, pairs)

    async def rebuild_beside_live(self, sources: Sequence[str], **options: object) -> int:
        """Rebuild from the stores of `sources` (schemas) in memory, swapped in at the end;
        `options` go to `rebuild_projection`. Returns how many events it applied."""
        return await rebuild_deadlines(
            self.pool,
            self.schema,
            (self.name, self.event_types),
            self._deadlines,
            self._watch,
            sources,
            **options,
        )

    async def clear(self, conn: Connection) -> None:
        book = await self._book(conn)
        await book.clear()

    def _lock_keys(self) -> list[tuple[int, str]]:
        """The projection's lock, then the alerts lock, in one statement (sent with BEGIN):
        every path to `apply` and `clear` (a batch, parked events, a rebuild) takes them first."""
        return [*super()._lock_keys(), (ALERTS_LOCK, self.schema)]

    async def _book(self, conn: Connection) -> PostgresAlertBook:
        return PostgresAlertBook(conn, self.schema, self._store)  # locked by `_lock`
