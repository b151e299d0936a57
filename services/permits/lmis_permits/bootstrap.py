"""Builds the permits service. Its aggregates (employers, demands, foreign workers, permits)
come with the permits issue; the event store and the API shell are here so that the platform
runs as four services from the start."""

from __future__ import annotations

import asyncpg

from lmis_shared.eventstore import PostgresEventStore


async def migrate(pool: asyncpg.Pool, schema: str) -> None:
    await PostgresEventStore.migrate(pool, schema)
