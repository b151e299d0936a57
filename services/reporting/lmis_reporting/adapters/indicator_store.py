"""Indicator counts in PostgreSQL: the tables, and the projection that keeps them.

`indicator_counts` holds one row per indicator, leaf unit (commune), month and breakdown;
`dimension = ''` is the total, the other rows split it (see `domain/indicators.py`).
`stream_facts` (`adapters/facts_store.py`) holds what each stream's earlier events said;
`indicator_counts_recorded` and `stream_facts_history` (`adapters/history_store.py`) what was
known at the end of each day.

The projection handles a batch in the transaction that also moves its positions
(`lmis_shared.processing.projection`), so only events new to it get here, in order; what they
change is the counting use case's (`application/counting.py`), run over this transaction's
`PostgresStreamFacts` and `PostgresCounts`, whose writes go as one statement
(`adapters/deferred_writes.py`). Sums over a unit's subtree and over a quarter or
year are made at read time (`adapters/indicator_reads.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import asyncpg

from lmis_reporting.adapters.deferred_writes import DeferredWrites
from lmis_reporting.adapters.facts_store import MIGRATION as FACTS_MIGRATION
from lmis_reporting.adapters.facts_store import BatchDumps, PostgresStreamFacts
from lmis_reporting.adapters.history_store import MIGRATION as HISTORY_MIGRATION
from lmis_reporting.adapters.history_store import (
    PostgresFactHistory,
    PostgresRecordedCounts,
    count_keys,
)
from lmis_reporting.application.counting import count
from lmis_reporting.application.ports import StreamEvent
from lmis_reporting.domain.indicators import Increment, handled_event_types
from lmis_shared.clock import VIETNAM_TZ
from lmis_shared.migrations import Migration
from lmis_shared.processing import Connection, Decoded, Projection
from lmis_shared.sql import in_schema

MIGRATIONS = [
    Migration(
        "indicators/0001_indicator_counts.sql",
        """
CREATE TABLE indicator_counts (
    indicator text NOT NULL,
    unit_code text NOT NULL,
    period date NOT NULL CHECK (extract(day FROM period) = 1),
    dimension text NOT NULL DEFAULT '',
    dim_value text NOT NULL DEFAULT '',
    value bigint NOT NULL,
    PRIMARY KEY (indicator, unit_code, period, dimension, dim_value)
);
""",
    ),
    FACTS_MIGRATION,
    HISTORY_MIGRATION,
]

_ADD = """
    INSERT INTO {s}.indicator_counts AS c
        (indicator, unit_code, period, dimension, dim_value, value)
    SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::text[], $6::bigint[])
    ON CONFLICT (indicator, unit_code, period, dimension, dim_value)
    DO UPDATE SET value = c.value + excluded.value"""


class PostgresCounts:
    """The `Counts` port on one transaction's connection."""

    def __init__(self, conn: Connection | DeferredWrites, schema: str) -> None:
        self._conn = conn
        self._schema = schema

    async def add(self, increments: Sequence[Increment]) -> None:
        if not increments:
            return
        await self._conn.execute(
            in_schema(_ADD, self._schema),
            *count_keys(increments),
            [r.delta for r in increments],
        )


class IndicatorProjection(Projection):
    """Keeps `indicator_counts` and `stream_facts` from the events the domain's rules name."""

    name: ClassVar[str] = "reporting.indicator_counts"
    event_types: ClassVar[frozenset[str]] = handled_event_types()

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        super().__init__(pool, schema)

    def migrations(self) -> Sequence[Migration]:
        return MIGRATIONS

    async def apply(self, conn: Connection, events: Sequence[Decoded]) -> None:
        if not events:
            return  # a redelivery: no facts to load
        new = [
            StreamEvent(
                d.event.metadata.stream_id,
                d.event.metadata.stream_type,
                d.payload,
                d.event.metadata.recorded_at.astimezone(VIETNAM_TZ).date(),
            )
            for d in events
        ]
        writes = DeferredWrites(conn)  # the four tables' writes in one round trip
        dumps = BatchDumps()
        await count(
            new,
            PostgresStreamFacts(writes, self.schema, dumps),
            PostgresCounts(writes, self.schema),
            PostgresFactHistory(writes, self.schema, dumps),
            PostgresRecordedCounts(writes, self.schema),
        )
        await writes.send()

    async def clear(self, conn: Connection) -> None:
        # DELETE, not TRUNCATE: readers keep seeing the old numbers until the rebuild commits
        await conn.execute(in_schema("DELETE FROM {s}.indicator_counts", self.schema))
        await conn.execute(in_schema("DELETE FROM {s}.stream_facts", self.schema))
        await conn.execute(in_schema("DELETE FROM {s}.indicator_counts_recorded", self.schema))
        await conn.execute(in_schema("DELETE FROM {s}.stream_facts_history", self.schema))
