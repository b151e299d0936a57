"""The relay's checkpoints in the service's own schema (see `migrations/`)."""

from __future__ import annotations

import asyncpg

from lmis_shared.eventstore import Position
from lmis_shared.migrations import apply_migrations, load_migrations, quoted_schema

MIGRATIONS = load_migrations("lmis_shared.relay.migrations", "relay")


async def migrate(pool: asyncpg.Pool, schema: str) -> list[str]:
    """Create the checkpoint table in `schema`, or bring it up to date (safe to run again)."""
    return await apply_migrations(pool, schema, MIGRATIONS)


class PostgresCheckpoints:
    """`Checkpoints` on PostgreSQL: one row per (broker cluster, topic)."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        s = quoted_schema(schema)
        self._pool = pool
        # {s} is a validated identifier, never caller text
        self._load = (
            f"select tx_id, seq from {s}.relay_checkpoints"  # noqa: S608
            " where cluster_id = $1 and topic = $2"
        )
        self._latest = (
            f"select tx_id, seq from {s}.relay_checkpoints"  # noqa: S608
            " where topic = $1 order by updated_at desc limit 1"
        )
        # never backwards: a stale relay replica must not make the live one publish again
        self._save = (
            f"insert into {s}.relay_checkpoints as c (cluster_id, topic, tx_id, seq)"  # noqa: S608
            " values ($1, $2, $3::xid8, $4)"
            " on conflict (cluster_id, topic) do update"
            " set tx_id = excluded.tx_id, seq = excluded.seq, updated_at = now()"
            " where (c.tx_id, c.seq) < (excluded.tx_id, excluded.seq)"
        )

    async def load(self, cluster_id: str, topic: str) -> Position | None:
        return _position(await self._pool.fetchrow(self._load, cluster_id, topic))

    async def latest(self, topic: str) -> Position | None:
        """The checkpoint of `topic` written last, whichever cluster it is for."""
        return _position(await self._pool.fetchrow(self._latest, topic))

    async def save(self, cluster_id: str, topic: str, position: Position) -> None:
        await self._pool.execute(self._save, cluster_id, topic, position[0], position[1])


def _position(row: asyncpg.Record | None) -> Position | None:
    return None if row is None else (int(row["tx_id"]), int(row["seq"]))
