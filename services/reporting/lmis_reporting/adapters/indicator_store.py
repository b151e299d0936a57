"""Indicator counts in PostgreSQL: the tables, the projection that writes them, a read query.

`indicator_counts` holds one row per indicator, leaf unit (commune), month and breakdown;
`dimension = ''` is the total, the other rows split it (see `domain/indicators.py`).
`stream_facts` (`adapters/facts_store.py`) holds what each stream's earlier events said.

The projection handles a batch in the transaction that also moves its positions
(`lmis_shared.processing.projection`), so only events new to it get here, in order: it loads
the facts of the batch's streams, folds each event into its stream's facts and counts it with
the facts after it, then writes the changed facts back and adds the counts with one upsert.
Sums over a unit's subtree and over a quarter or year are made at read time;
`adapters/indicator_reads.py` joins the unit closure, and `IndicatorStore.sum_indicator` here
takes the leaf codes directly.

Public API:
    MIGRATIONS, migrate(pool, schema) -> list[str]     positions + indicator tables
    IndicatorProjection(pool, schema="reporting")       a `Projection`
    IndicatorStore(pool, schema="reporting").sum_indicator(
        indicator, unit_codes, period_start, period_end, dimension=None) -> int | dict[str, int]
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import ClassVar, overload
from uuid import UUID

import asyncpg

from lmis_reporting.adapters import facts_store
from lmis_reporting.domain.facts import Facts, evolve
from lmis_reporting.domain.indicators import (
    TOTAL,
    Increment,
    handled_event_types,
    increments,
    merge,
)
from lmis_shared.migrations import Migration, apply_migrations
from lmis_shared.processing import POSITIONS_MIGRATION, Connection, Decoded, Projection
from lmis_shared.sql import in_schema

DEFAULT_SCHEMA = "reporting"

# Applied once per schema by the shared migration runner, with `search_path` set to it.
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
    facts_store.MIGRATION,
]

_ADD = """
    INSERT INTO {s}.indicator_counts AS c
        (indicator, unit_code, period, dimension, dim_value, value)
    SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::text[], $6::bigint[])
    ON CONFLICT (indicator, unit_code, period, dimension, dim_value)
    DO UPDATE SET value = c.value + excluded.value"""

_SUM_TOTAL = """
    SELECT coalesce(sum(value), 0)::bigint FROM {s}.indicator_counts
    WHERE indicator = $1 AND unit_code = ANY($2::text[]) AND period BETWEEN $3 AND $4
      AND dimension = ''"""

_SUM_BY_VALUE = """
    SELECT dim_value, sum(value)::bigint AS value FROM {s}.indicator_counts
    WHERE indicator = $1 AND unit_code = ANY($2::text[]) AND period BETWEEN $3 AND $4
      AND dimension = $5
    GROUP BY dim_value ORDER BY dim_value"""


async def migrate(pool: asyncpg.Pool, schema: str = DEFAULT_SCHEMA) -> list[str]:
    """Create or upgrade the projection positions and the indicator tables (idempotent)."""
    return await apply_migrations(pool, schema, [POSITIONS_MIGRATION, *MIGRATIONS])


class IndicatorProjection(Projection):
    """Keeps `indicator_counts` and `stream_facts` from the events the domain's rules name."""

    name: ClassVar[str] = "reporting.indicator_counts"
    event_types: ClassVar[frozenset[str]] = handled_event_types()

    def __init__(self, pool: asyncpg.Pool, schema: str = DEFAULT_SCHEMA) -> None:
        super().__init__(pool, schema)

    def migrations(self) -> Sequence[Migration]:
        return MIGRATIONS

    async def apply(self, conn: Connection, events: Sequence[Decoded]) -> None:
        streams = {d.event.metadata.stream_id for d in events}
        facts = await facts_store.load(conn, self.schema, streams)
        changed: dict[UUID, tuple[str, Facts]] = {}
        found: list[Increment] = []
        for d in events:
            stream = d.event.metadata.stream_id
            after = evolve(facts.get(stream), d.payload)
            if after is not None and after is not facts.get(stream):
                facts[stream] = after
                changed[stream] = (d.event.metadata.stream_type, after)
            found.extend(increments(d.payload, after))
        await facts_store.save(conn, self.schema, changed)
        await self._add(conn, merge(found))

    async def _add(self, conn: Connection, rows: Sequence[Increment]) -> None:
        if not rows:
            return
        await conn.execute(
            in_schema(_ADD, self.schema),
            [r.indicator for r in rows],
            [r.unit_code for r in rows],
            [r.period for r in rows],
            [r.dimension for r in rows],
            [r.dim_value for r in rows],
            [r.delta for r in rows],
        )

    async def clear(self, conn: Connection) -> None:
        # DELETE, not TRUNCATE: readers keep seeing the old numbers until the rebuild commits
        await conn.execute(in_schema("DELETE FROM {s}.indicator_counts", self.schema))
        await conn.execute(in_schema("DELETE FROM {s}.stream_facts", self.schema))


class IndicatorStore:
    """Read side: sums of the leaf counts."""

    def __init__(self, pool: asyncpg.Pool, schema: str = DEFAULT_SCHEMA) -> None:
        self._pool = pool
        self._schema = schema

    @overload
    async def sum_indicator(
        self,
        indicator: str,
        unit_codes: Sequence[str],
        period_start: date,
        period_end: date,
        dimension: None = None,
    ) -> int: ...

    @overload
    async def sum_indicator(
        self,
        indicator: str,
        unit_codes: Sequence[str],
        period_start: date,
        period_end: date,
        dimension: str,
    ) -> dict[str, int]: ...

    async def sum_indicator(
        self,
        indicator: str,
        unit_codes: Sequence[str],
        period_start: date,
        period_end: date,
        dimension: str | None = None,
    ) -> int | dict[str, int]:
        """The total over `unit_codes` (leaf units) and the months whose first day lies in
        `period_start`..`period_end` (inclusive: pass a period's first and last day).

        With a `dimension` (`sex`, `priority_groups`), the same sum per value of it instead.
        """
        args = (indicator, list(unit_codes), period_start, period_end)
        if dimension is None or dimension == TOTAL:
            return int(await self._pool.fetchval(in_schema(_SUM_TOTAL, self._schema), *args))
        rows = await self._pool.fetch(in_schema(_SUM_BY_VALUE, self._schema), *args, dimension)
        return {row["dim_value"]: int(row["value"]) for row in rows}
