"""Plans a connection caches for a projection's batch reads (issue 14): made while a schema's
tables were small, they must still look rows up by key once the tables have grown.

`small_tables` gives a connection on a migrated schema holding a few hundred rows (small
enough that a sequential scan is the cheapest plan for `= ANY`), set to plan generically, as a
connection does after five runs of a prepared statement; `generic_plan` is the plan it makes
for one read, `assert_probes_by_key` what it must be, and `assert_read_by_key` both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg

from lmis_shared.sql import in_schema


@asynccontextmanager
async def small_tables(
    database_url: str,
    schema: str,
    migrate: Callable[[asyncpg.Pool, str], Awaitable[object]],
    fill: str,
) -> AsyncIterator[asyncpg.Connection]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert pool is not None
    await migrate(pool, schema)
    await pool.close()
    conn = await asyncpg.connect(database_url)
    await conn.execute(in_schema(fill, schema))
    await conn.execute("SET plan_cache_mode = force_generic_plan")  # what is cached after 5 runs
    try:
        yield conn
    finally:
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await conn.close()


Read = tuple[str, str, str]
"""A batch read: its statement, its parameters' types, and arguments of those types."""


async def generic_plan(conn: asyncpg.Connection, schema: str, read: Read) -> list[str]:
    """EXPLAIN of the read's statement prepared with parameters of its types, run with its
    arguments."""
    statement, types, arguments = read
    await conn.execute(f"PREPARE probe({types}) AS {in_schema(statement, schema)}")
    return [row[0] for row in await conn.fetch(f"EXPLAIN EXECUTE probe({arguments})")]


def assert_probes_by_key(plan: list[str], table: str, key: str) -> None:
    """`plan` reads `table` only through its index, searched with each key asked about
    (`key`: the start of the index condition), not scanned whole or filtered."""
    assert not any(f"Seq Scan on {table}" in line for line in plan), plan
    assert any("Index Cond" in line and key in line for line in plan), plan


async def assert_read_by_key(
    conn: asyncpg.Connection, schema: str, read: Read, table: str, key: str
) -> None:
    """The generic plan of `read` probes `table` by `key` (`assert_probes_by_key`)."""
    assert_probes_by_key(await generic_plan(conn, schema, read), table, key)
