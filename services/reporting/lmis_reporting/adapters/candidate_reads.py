"""Matching's reads over the projection's `stream_facts` (`application/candidates.py`).

A demand is one row by id; the pool is the province's worker rows whose facts hold `skills`
(kept only while the returnee consents). Both are read as the counting projection wrote them,
so matching needs no projection of its own and a rebuild rebuilds it too. The pool query
filters on the JSON: fine for a province's few thousand returnees; an expression index on
`facts->>'province_code'` is the next step if it is not.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from lmis_reporting.adapters import facts_store
from lmis_reporting.domain.facts import DemandFacts, WorkerFacts
from lmis_reporting.domain.local_jobs import ReturneeSkills
from lmis_shared.sql import in_schema

_DEMAND = """
    SELECT facts::text AS facts FROM {s}.stream_facts
    WHERE stream_id = $1 AND stream_type = 'demand'"""
_POOL = """
    SELECT stream_id, commune_code, facts::text AS facts FROM {s}.stream_facts
    WHERE stream_type = 'worker' AND facts ? 'skills' AND facts->>'province_code' = $1"""


class PostgresCandidates:
    """Implements the application's `CandidateReader` port."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._schema = schema

    async def demand(self, demand_id: UUID) -> DemandFacts | None:
        row = await self._pool.fetchrow(in_schema(_DEMAND, self._schema), demand_id)
        if row is None:
            return None
        facts = facts_store.parse("demand", row["facts"])
        assert isinstance(facts, DemandFacts)
        return facts

    async def returnees(self, province_code: str) -> list[tuple[UUID, str, ReturneeSkills]]:
        rows = await self._pool.fetch(in_schema(_POOL, self._schema), province_code)
        out = []
        for row in rows:
            facts = facts_store.parse("worker", row["facts"])
            if isinstance(facts, WorkerFacts) and facts.skills is not None:
                out.append((row["stream_id"], row["commune_code"], facts.skills))
        return out
