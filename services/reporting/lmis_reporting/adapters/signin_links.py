"""One-time sign-in links (embedded mode): the ids of the links already used.

A link is a signed token with an id (`jti`); using it inserts the id, and a second use finds
it there. The insert is the check (`ON CONFLICT DO NOTHING`), so two tabs opening the same link
at once sign in once. Implements the application's `SignInLinks` port.
"""

from __future__ import annotations

import asyncpg

from lmis_shared.migrations import Migration, apply_migrations
from lmis_shared.sql import in_schema

MIGRATIONS = [
    Migration(
        "dashboard/0001_signin_links_used.sql",
        """
CREATE TABLE signin_links_used (
    link_id text PRIMARY KEY,
    used_at timestamptz NOT NULL DEFAULT now()
);
""",
    )
]


async def migrate(pool: asyncpg.Pool, schema: str) -> list[str]:
    return await apply_migrations(pool, schema, MIGRATIONS)


class PostgresSignInLinks:
    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._insert = in_schema(
            "INSERT INTO {s}.signin_links_used (link_id) VALUES ($1) ON CONFLICT DO NOTHING",
            schema,
        )

    async def use(self, link_id: str) -> bool:
        status: str = await self._pool.execute(self._insert, link_id)
        return status.endswith(" 1")
