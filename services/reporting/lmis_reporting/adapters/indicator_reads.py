"""Reading indicator totals: the projection's leaf counts summed over a unit and a period.

`indicator_counts` (written by the projection, `adapters/indicator_store.py`) holds one row
per indicator, leaf unit, month and breakdown; the row with `dimension = ''` is the total, the
others split it (by sex, ...) and must not be added to it. The unit closure table
(`unit_ancestors`, see `adapters/units.py`) turns "under this unit" into an index range, and
each of its leaves into a range of the counts' primary key.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from lmis_reporting.adapters._sql import in_schema
from lmis_reporting.domain.units import Hierarchy

_TOTAL = """
    SELECT coalesce(sum(c.value), 0)::bigint
    FROM {s}.unit_ancestors a
    JOIN {s}.indicator_counts c ON c.unit_code = a.code
    WHERE a.hierarchy = $1 AND a.ancestor_code = $2
      AND c.indicator = $3 AND c.period BETWEEN $4 AND $5 AND c.dimension = ''"""


class PostgresIndicatorReads:
    """Implements the application's `CountReader` port."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._schema = schema

    async def total(
        self, indicator: str, hierarchy: Hierarchy, unit_code: str, start: date, end: date
    ) -> int:
        """The sum over every unit under `unit_code` (itself included), months `start`..`end`."""
        query = in_schema(_TOTAL, self._schema)
        value = await self._pool.fetchval(query, hierarchy, unit_code, indicator, start, end)
        return int(value)
