"""The deadline projection: registry, permits and report events in, deadlines and alerts out.

Built on `lmis_shared.processing.Projection`, so a redelivered or replayed event is skipped by
its stream's position, committed in the same transaction as its effects. Each new event goes
through the pure rules (`domain/rules.py`); what they decide is stored by the alert book under
the alerts lock: fixes resolve alerts and cancel deadlines, new deadlines wait for the sweeper,
and a fact that is itself the problem (an absconding) is raised at once.

`rebuild` forgets subjects, deadlines and submissions and replays; alerts stay (they are events)
and, since their ids are deterministic, the replayed deadlines find them instead of raising
them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar
from uuid import UUID

import asyncpg

from lmis_notify.adapters.alert_book import PostgresAlertBook
from lmis_notify.adapters.migrations import MIGRATIONS
from lmis_notify.domain.model import Cause, Subject
from lmis_notify.domain.rules import HANDLED_EVENT_TYPES, RuleSettings, decide
from lmis_shared.clock import Clock
from lmis_shared.eventstore import PostgresEventStore
from lmis_shared.migrations import Migration
from lmis_shared.processing import Connection, Decoded, Projection


class DeadlineProjection(Projection):
    name: ClassVar[str] = "notify.deadlines"
    event_types: ClassVar[frozenset[str]] = HANDLED_EVENT_TYPES

    def __init__(self, pool: asyncpg.Pool, schema: str, rules: RuleSettings, clock: Clock) -> None:
        super().__init__(pool, schema)
        self._rules = rules
        self._clock = clock
        self._store = PostgresEventStore(pool, schema)

    def migrations(self) -> Sequence[Migration]:
        return MIGRATIONS

    async def apply(self, conn: Connection, events: Sequence[Decoded]) -> None:
        book = PostgresAlertBook(conn, self.schema, self._store)
        await book.lock()
        subjects = await book.subjects({d.event.metadata.stream_id for d in events})
        changed: dict[UUID, Subject] = {}
        now = self._clock.now()
        for d in events:
            meta = d.event.metadata
            decision = decide(subjects.get(meta.stream_id), meta.stream_id, d.payload, self._rules)
            if decision is None:
                continue
            subjects[meta.stream_id] = changed[meta.stream_id] = decision.subject
            cause = Cause(
                actor=meta.actor,  # whoever recorded the fact caused what it settles
                correlation_id=meta.correlation_id,
                at=now,
                event_id=meta.event_id,
                event_type=meta.event_type,
                traceparent=meta.traceparent,
            )
            await book.apply(decision, cause)
        await book.save_subjects(list(changed.values()))

    async def clear(self, conn: Connection) -> None:
        book = PostgresAlertBook(conn, self.schema, self._store)
        await book.lock()
        await book.clear()
