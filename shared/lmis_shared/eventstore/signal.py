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
meanwhile. Nor does the next command: a NOTIFY is a round trip on the store's pool, and when
every connection of the pool is in use it would be queued for one before the next append (a
writer appending back to back on a one-connection pool waited for a NOTIFY after every append:
84 % of the bare one-round-trip floor in bench/event_store.py). So the signal waits for a free
connection, or room in the pool for one, and takes its turn anyway after `MOST_DELAY`: only a
pool that is full already delays it, by milliseconds against a relay's poll of hundreds. It
looks again after each commit signalled meanwhile (each follows its connection's release), not
on a clock. A look every millisecond now and then caught the connection between two
back-to-back appends, which then waited for a NOTIFY (3 % of the commands in
bench/event_store.py on a quiet host, 8 to 10 % under load, against 2 % now: about one per
`MOST_DELAY`), and its timers cost more than one more turn of the event loop a commit: in
alternating rounds on a one-connection pool the signal cost the writer 14 to 19 µs of CPU a
command, now 7 to 10 (a look only after a millisecond without a commit: 12 to 14).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

import asyncpg

from lmis_shared.events import RecordedEvent
from lmis_shared.eventstore._plan import Recorded
from lmis_shared.eventstore.api import AppendResult, Position
from lmis_shared.logging import get_logger

log = get_logger(__name__)

_NOTIFY = "select pg_notify($1, $2)"

MOST_DELAY = 0.02
"""Seconds a signal waits at most for a free connection before it queues for one."""


def commit_channel(schema: str) -> str:
    """The channel on which the event store of `schema` signals its commits."""
    return f"lmis.events.{schema}"


def _positions(events: Sequence[RecordedEvent]) -> Sequence[Position]:
    """The events' positions, without building recorded events an append left unbuilt."""
    if isinstance(events, Recorded):
        return events.positions
    return [e.position for e in events if e.position is not None]


class CommitSignal:
    """Signals, after they committed, the appends of one store (`committed`)."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self.channel = commit_channel(schema)
        self._unsent: int | None = None
        """The largest transaction id committed and not signalled yet."""
        self._sending: asyncio.Task[None] | None = None
        self._waking: asyncio.Future[None] | None = None
        """What the sender waits on while the pool is full: done at the next commit."""

    def committed(self, results: Iterable[AppendResult]) -> None:
        """Signal, soon and without waiting, that these appends committed."""
        ids = [p[0] for r in results for p in _positions(r.events)]
        if ids:
            self.committed_transaction(max(ids))

    def committed_transaction(self, tx_id: int) -> None:
        """Signal, soon and without waiting, that the appends of transaction `tx_id`
        committed (a bulk append's, which has no `AppendResult`)."""
        self._unsent = tx_id if self._unsent is None else max(self._unsent, tx_id)
        if self._sending is None or self._sending.done():
            self._sending = asyncio.get_running_loop().create_task(self._send())
        else:  # its connection was released: the sender may find the pool free now
            self._wake()

    async def _send(self) -> None:
        while self._unsent is not None:
            await self._free_connection()
            tx_id, self._unsent = self._unsent, None
            try:
                await self._pool.execute(_NOTIFY, self.channel, str(tx_id))
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                # the relays' poll finds the events: a lost signal only delays them
                log.debug("eventstore.signal_failed", error=type(exc).__name__)
                return

    async def _free_connection(self) -> None:
        """Until the pool has a connection no one uses, or room for one, or `MOST_DELAY`:
        looked at again after each commit signalled meanwhile."""
        pool = self._pool
        loop = asyncio.get_running_loop()
        late = False

        def give_up() -> None:
            nonlocal late
            late = True
            self._wake()

        timer = loop.call_later(MOST_DELAY, give_up)
        try:
            while not late and pool.get_idle_size() == 0 and pool.get_size() >= pool.get_max_size():
                self._waking = loop.create_future()
                await self._waking
        finally:
            timer.cancel()
            self._waking = None

    def _wake(self) -> None:
        if self._waking is not None and not self._waking.done():
            self._waking.set_result(None)
