"""Reading indicators: the projection's leaf counts and facts, summed over a unit's subtree.

`indicator_counts` (written by the projection, `adapters/indicator_store.py`) holds one row
per indicator, leaf unit, month and breakdown; the row with `dimension = ''` is the total, the
others split it (by sex, ...) and must not be added to it. The unit closure table
(`unit_ancestors`, see `adapters/units.py`) turns "under this unit" into an index range, and
"the child of this unit that a leaf lies under" into the closure row one step less deep.

Given `known_on` (a day), the same reads answer what was known at the end of that day
(`adapters/history_store.py`): the counts recorded by then, the facts' versions valid then.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from lmis_reporting.adapters import facts_store
from lmis_reporting.application.ports import CountRange
from lmis_reporting.domain.facts import Facts
from lmis_reporting.domain.indicators import TOTAL
from lmis_reporting.domain.units import Hierarchy
from lmis_shared.sql import in_schema

_TOTAL = """
    SELECT coalesce(sum(c.value), 0)::bigint
    FROM {s}.unit_ancestors a
    JOIN {s}.indicator_counts c ON c.unit_code = a.code
    WHERE a.hierarchy = $1 AND a.ancestor_code = $2
      AND c.indicator = $3 AND c.period BETWEEN $4 AND $5 AND c.dimension = ''"""

_BY_VALUE = """
    SELECT c.dim_value, sum(c.value)::bigint AS value
    FROM {s}.unit_ancestors a
    JOIN {s}.indicator_counts c ON c.unit_code = a.code
    WHERE a.hierarchy = $1 AND a.ancestor_code = $2
      AND c.indicator = $3 AND c.period BETWEEN $4 AND $5 AND c.dimension = $6
    GROUP BY c.dim_value"""

# `child` is the leaf's ancestor one step below the unit asked for (none for the unit itself)
_BY_CHILD = """
    SELECT child.ancestor_code AS child, c.dim_value, sum(c.value)::bigint AS value
    FROM {s}.unit_ancestors a
    JOIN {s}.unit_ancestors child
      ON child.hierarchy = a.hierarchy AND child.code = a.code AND child.depth = a.depth - 1
    JOIN {s}.indicator_counts c ON c.unit_code = a.code
    WHERE a.hierarchy = $1 AND a.ancestor_code = $2
      AND c.indicator = $3 AND c.period BETWEEN $4 AND $5 AND c.dimension = $6
    GROUP BY child.ancestor_code, c.dim_value"""

_FACTS = """
    SELECT child.ancestor_code AS child, f.stream_type, f.facts::text AS facts
    FROM {s}.unit_ancestors a
    JOIN {s}.stream_facts f ON f.commune_code = a.code AND f.stream_type = $3
    LEFT JOIN {s}.unit_ancestors child
      ON child.hierarchy = a.hierarchy AND child.code = a.code AND child.depth = a.depth - 1
    WHERE a.hierarchy = $1 AND a.ancestor_code = $2"""


def _known(query: str, parameter: int) -> str:
    """`query` over the rows recorded up to the day in `$parameter` (a count query)."""
    return query.replace("{s}.indicator_counts c", "{s}.indicator_counts_recorded c").replace(
        "c.period BETWEEN", f"c.recorded_on <= ${parameter} AND c.period BETWEEN"
    )


_KNOWN_FACTS = _FACTS.replace(
    "{s}.stream_facts f ON f.commune_code = a.code AND f.stream_type = $3",
    "{s}.stream_facts_history f ON f.commune_code = a.code AND f.stream_type = $3"
    " AND f.known_from <= $4 AND (f.known_until IS NULL OR f.known_until > $4)",
)
_NOW = (_TOTAL, _BY_VALUE, _BY_CHILD, _FACTS)
_AS_OF = (_known(_TOTAL, 6), _known(_BY_VALUE, 7), _known(_BY_CHILD, 7), _KNOWN_FACTS)
assert all(now != known for now, known in zip(_NOW, _AS_OF, strict=True)), "texts replaced"


class PostgresIndicatorReads:
    """Implements the application's `CountReader` and `FactsReader` ports (`application/
    ports.py` says what each answers); as known now, or at the end of `known_on`."""

    def __init__(self, pool: asyncpg.Pool, schema: str, known_on: date | None = None) -> None:
        self._pool = pool
        self._schema = schema
        self._known_on = () if known_on is None else (known_on,)
        queries = _NOW if known_on is None else _AS_OF
        self._total, self._by_value, self._by_child, self._facts = (
            in_schema(q, schema) for q in queries
        )

    def known_on(self, day: date) -> PostgresIndicatorReads:
        """The same reads, as known at the end of `day`."""
        return PostgresIndicatorReads(self._pool, self._schema, day)

    async def total(self, counts: CountRange) -> int:
        return int(await self._pool.fetchval(self._total, *_args(counts), *self._known_on))

    async def breakdown(self, counts: CountRange, dimension: str) -> dict[str, int]:
        rows = await self._pool.fetch(self._by_value, *_args(counts), dimension, *self._known_on)
        return {r["dim_value"]: int(r["value"]) for r in rows}

    async def per_child(
        self, counts: CountRange, dimension: str = TOTAL
    ) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        rows = await self._pool.fetch(self._by_child, *_args(counts), dimension, *self._known_on)
        for row in rows:
            found.setdefault(row["child"], {})[row["dim_value"]] = int(row["value"])
        return found

    async def facts_under(
        self, stream_type: str, hierarchy: Hierarchy, unit_code: str
    ) -> list[tuple[str | None, Facts]]:
        """Every stream of `stream_type` counted under `unit_code`, with the unit directly
        under `unit_code` that it lies in (None when it lies in `unit_code` itself)."""
        rows = await self._pool.fetch(
            self._facts, hierarchy, unit_code, stream_type, *self._known_on
        )
        return [(r["child"], facts_store.parse(r["stream_type"], r["facts"])) for r in rows]


def _args(counts: CountRange) -> tuple[object, ...]:
    return (counts.hierarchy, counts.unit_code, counts.indicator, counts.start, counts.end)
