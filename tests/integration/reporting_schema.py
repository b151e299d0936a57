"""Reporting schemas for the tests: the whole service's, which a test module shares (migrating
it loads the units, the seeded targets and markets: once a module, not once a test), and the
indicator projection's tables alone, which a test of the processing pipeline owns."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.bootstrap import migrate
from tests.conftest import unique


@asynccontextmanager
async def migrated_reporting_schema(database_url: str, prefix: str) -> AsyncIterator[str]:
    """A fresh schema named after `prefix`, migrated, and dropped when the module is done."""
    name = unique(prefix)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    assert pool is not None
    try:
        await migrate(pool, name)
        yield name
        await pool.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    finally:
        await pool.close()


@asynccontextmanager
async def indicator_tables(pool: asyncpg.Pool, schema: str) -> AsyncIterator[str]:
    """The indicator projection's tables in `schema` (a fresh one), dropped after."""
    await IndicatorProjection(pool, schema).migrate()
    yield schema
    await pool.execute(f"DROP SCHEMA {schema} CASCADE")
