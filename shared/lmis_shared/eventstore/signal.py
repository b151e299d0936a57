"""Telling the relays that events committed: a NOTIFY sent after the commit, not inside it.

A relay listens on `lmis.events.<schema>` (`lmis_shared.relay.wakeup`) and publishes as soon
as it hears, instead of at its next poll. The payload is the id of the transaction that
appended (`tx_id` of its events' positions): a relay that woke and could not read those events
yet (an older transaction still runs, so they are above `pg_snapshot_xmin`) knows to look again
soon.

Why after the commit, in a statement of its own, rather than a trigger in the appending
transaction: PostgreSQL serialises the commits of transactions that NOTIFY (a cluster-wide
lock, held until the commit is flushed to disk), which measured -5 % for one writer and -35 to
-65 % for 8 concurrent writers (bench/event_store.py's concurrent figure). A NOTIFY alone has
no transaction id and nothing to flush: it holds that lock for microseconds. The price is that
the signal is not transactional: a process that dies between its commit and the signal leaves
the event to the relay's poll, which is only late, never lost; appends made inside a caller's
own transaction are signalled by the caller after its commit (`PostgresStreams`), or left to
the poll. `CommitSignal` sends from a task of its own, one NOTIFY at a time per store: the
command does not wait for it, and under load one NOTIFY carries the latest of every commit made
meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import asyncpg

from lmis_shared.eventstore.api import AppendResult
from lmis_shared.logging import get_logger

log = get_logger(__name__)

_NOTIFY = "select pg_notify($1, $2)"


def commit_channel(schema: str) -> str:
    """The channel on which the event store of `schema` signals its commits."""
    return f"lmis.events.{schema}"


class CommitSignal:
    """Signals, after they committed, the appends of one store (`committed`)."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self.channel = commit_channel(schema)
        self._unsent: int | None = None
        """The largest transaction id committed and not signalled yet."""
        self._sending: asyncio.Task[None] | None = None

    def committed(self, results: Iterable[AppendResult]) -> None:
        """Signal, soon and without waiting, that these appends committed."""
        ids = [e.position[0] for r in results for e in r.events if e.position is not None]
        if not ids:
            return
        self._unsent = max(ids) if self._unsent is None else max(self._unsent, *ids)
        if self._sending is None or self._sending.done():
            self._sending = asyncio.get_running_loop().create_task(self._send())

    async def _send(self) -> None:
        while self._unsent is not None:
            tx_id, self._unsent = self._unsent, None
            try:
                await self._pool.execute(_NOTIFY, self.channel, str(tx_id))
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                # the relays' poll finds the events: a lost signal only delays them
                log.debug("eventstore.signal_failed", error=type(exc).__name__)
                return
