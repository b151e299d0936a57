"""Builds the notify service. Its alert rules and agency subscriptions come with the
stream-processor issue; the event store and the API shell are here so that the platform runs
as four services from the start."""

from __future__ import annotations

import asyncpg

from lmis_shared.eventstore import PostgresEventStore


async def migrate(pool: asyncpg.Pool, schema: str) -> None:
    await PostgresEventStore.migrate(pool, schema)
