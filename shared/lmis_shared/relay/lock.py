"""One relay per service: a PostgreSQL session-level advisory lock, keyed by the schema.

The relay takes the lock before it publishes and holds it while it runs, on a connection of
its own (never a pooled one: the pools' reset keeps session state, so a lock released with
its connection into a pool would stay held by whichever code borrows it next). A second relay
on the same schema gets "no" from `pg_try_advisory_lock`, says it is standing by, and asks
again every `LMIS_RELAY_STANDBY_INTERVAL` seconds. When the first relay stops, crashes or is
killed, its connection closes and PostgreSQL releases the lock; the next ask takes it over.

Before every round the leader checks, on that connection, that its session still holds the
lock (`held`). If the session ended (the server restarted, an administrator ended it, the
network dropped it), the relay stops publishing and goes back to asking. At most the round
in flight when the session ended can then be published by both relays, which consumers take
as any redelivery: at least once, never out of order within a stream.

The server notices a client that vanished without closing its socket (a node lost, a
partition) only through TCP keepalives, so the lock's connection sets short ones: a dead
leader's lock is released in about `tcp_keepalives_idle + interval * count` = 25 s. The lock
needs a direct session to PostgreSQL: through a pooler in transaction mode (PgBouncer's
default) session advisory locks do not hold.
"""

from __future__ import annotations

import asyncpg

from lmis_shared.relay._sessions import end_session
from lmis_shared.relay.core import TRANSIENT_ERRORS

LOCK_CLASS = 0x4C4D524C  # "LMRL": relay locks, apart from the migrations' and projections'
"""The first key of every relay lock; the second is `hashtext(<schema>)`."""

_CONNECTION_SETTINGS = {
    "application_name": "lmis-relay-lock",
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
}
_TRY = "select pg_try_advisory_lock($1, hashtext($2))"
_HELD = """
select exists (
    select 1 from pg_locks
    where locktype = 'advisory' and granted and pid = pg_backend_pid()
      and database = (select oid from pg_database where datname = current_database())
      and classid = $1::int::oid and objid = hashtext($2)::oid and objsubid = 2
)"""
_LOST: tuple[type[BaseException], ...] = (
    *TRANSIENT_ERRORS,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
)
"""What a query on the lock's connection raises when its session is gone or going."""


class PostgresRelayLock:
    """`RelayLock` on PostgreSQL for the relay of `schema`, on a connection to `dsn`."""

    def __init__(self, dsn: str, schema: str, *, timeout: float = 10.0) -> None:
        self._dsn = dsn
        self._schema = schema
        self._timeout = timeout
        self._conn: asyncpg.Connection | None = None

    async def try_acquire(self) -> bool:
        """Take the lock if it is free; False when another session holds it.

        Raises one of TRANSIENT_ERRORS when PostgreSQL cannot be reached.
        """
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await asyncpg.connect(
                    self._dsn,
                    timeout=self._timeout,
                    command_timeout=self._timeout,
                    server_settings=_CONNECTION_SETTINGS,
                )
            taken = await self._conn.fetchval(_TRY, LOCK_CLASS, self._schema)
        except _LOST:
            await self.release()
            raise
        return bool(taken)  # standing by keeps its session, to ask again on it

    async def held(self) -> bool:
        """Whether this session still holds the lock (False when the session is gone)."""
        if self._conn is None or self._conn.is_closed():
            return False
        try:
            return bool(await self._conn.fetchval(_HELD, LOCK_CLASS, self._schema))
        except _LOST:
            return False

    async def release(self) -> None:
        """Let the lock go: closing the session releases it, whatever state it is in."""
        conn, self._conn = self._conn, None
        await end_session(conn, self._timeout)
