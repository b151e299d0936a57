"""Waking the relay when events commit, instead of at its next poll.

The event store signals each commit that appended events with `NOTIFY "lmis.events.<schema>"`,
its transaction id as the payload (`lmis_shared.eventstore.signal`, which says why after the
commit rather than inside it). `PostgresCommitListener` LISTENs on a connection of its own
(never a pooled one: LISTEN is session state) and wakes the relay's wait. The signal only
wakes: the relay reads with the same gap-safe rule as ever, so a lost or early signal can delay
an event, never skip or reorder one.

* Nothing is lost between a round and the next wait: a signal that arrives while the relay
  reads is kept, and the next wait returns at once (one extra, cheap round at worst).
* Held back: the relay may wake, read, and still not see a signalled commit, because an older
  transaction that touched the store's schema still runs (the store's horizon,
  `lmis_shared.eventstore.horizon`). `behind(position)` says so (the largest signalled
  transaction id is past the relay's checkpoint), and the relay looks again at the next
  signal (the older one's own commit, if it appended) or after a short wait that grows up to
  25 ms, whichever comes first (`Pace`).
* The poll stays the fallback: while the listening connection is down (the server restarted,
  an administrator ended the session), `wait` sleeps the poll interval as before, and each
  wait tries to connect again (at most once per `reconnect_interval`). Commits made while no
  one listened are found by the next round, as before.

`Sleeping` is the poll-only wait, for a relay whose source sends no signal (an outbox, the
in-memory store).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Coroutine
from typing import Any, Protocol

import asyncpg

from lmis_shared.eventstore import Position
from lmis_shared.eventstore.signal import commit_channel
from lmis_shared.logging import get_logger
from lmis_shared.relay._sessions import end_session
from lmis_shared.relay.settings import RelaySettings

log = get_logger(__name__)

_CONNECTION_SETTINGS = {
    "application_name": "lmis-relay-listen",
    # a listener that vanished is noticed by the server as the lock's is (lock.py)
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
}


_GROWTH = 1.25
"""How much longer each look for a held-back commit waits than the one before (`Pace`)."""
_CHASE_CAP = 0.025
"""The longest wait between looks for a held-back commit, seconds (`Pace`)."""
_UNREACHABLE = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)
"""What connecting and LISTEN raise when the server is away: the wait falls back to the poll."""


class Wakeup(Protocol):
    async def wait(self, stop: asyncio.Event, seconds: float) -> None:
        """Return when a commit was signalled since the last wait returned, when `stop` is
        set, or after `seconds`, whichever comes first."""
        ...

    def behind(self, position: Position | None) -> bool:
        """Whether a signalled commit lies past `position` (not yet published)."""
        ...

    async def close(self) -> None: ...


class Sleeping:
    """The poll-only `Wakeup`: every wait lasts its full `seconds` (or until `stop`)."""

    async def wait(self, stop: asyncio.Event, seconds: float) -> None:
        await _first(seconds, stop.wait())

    def behind(self, position: Position | None) -> bool:
        return False

    async def close(self) -> None:
        return None


class PostgresCommitListener:
    """`Wakeup` on the commit signal of `schema`'s event store, on a connection to `dsn`."""

    def __init__(
        self,
        dsn: str,
        schema: str,
        *,
        timeout: float = 10.0,
        reconnect_interval: float = 1.0,
    ) -> None:
        self._dsn = dsn
        self.channel = commit_channel(schema)
        self._timeout = timeout
        self._reconnect_interval = reconnect_interval
        self._conn: asyncpg.Connection | None = None
        self._tried_at: float | None = None
        self._signalled = asyncio.Event()
        self.latest: int | None = None
        """The largest transaction id signalled so far (None: none yet)."""

    @property
    def listening(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def wait(self, stop: asyncio.Event, seconds: float) -> None:
        if not self.listening:
            await self._listen()
        if not self.listening:  # the poll, and another try to listen before long
            seconds = min(seconds, self._reconnect_interval)
        if not self._signalled.is_set():
            await _first(seconds, self._signalled.wait(), stop.wait())
        self._signalled.clear()

    def behind(self, position: Position | None) -> bool:
        if self.latest is None:
            return False
        return position is None or position[0] < self.latest

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        await end_session(conn, self._timeout)

    async def _listen(self) -> None:
        """Connect and LISTEN, unless tried less than `reconnect_interval` ago; a failure is
        logged and the wait falls back to the poll."""
        now = time.monotonic()
        if self._tried_at is not None and now - self._tried_at < self._reconnect_interval:
            return
        self._tried_at = now
        await self.close()
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(
                self._dsn,
                timeout=self._timeout,
                command_timeout=self._timeout,
                server_settings=_CONNECTION_SETTINGS,
            )
            await conn.add_listener(self.channel, self._on_signal)
        except _UNREACHABLE as exc:
            if conn is not None:
                conn.terminate()
            log.warning("relay.listen_unavailable", channel=self.channel, error=type(exc).__name__)
            return
        # a session that ends wakes the relay: its next wait listens again
        conn.add_termination_listener(lambda _conn: self._signalled.set())
        self._conn = conn
        # commits made while no one listened: the next round finds them
        self._signalled.set()
        log.info("relay.listening", channel=self.channel)

    def _on_signal(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        with contextlib.suppress(ValueError, TypeError):  # an empty payload still wakes
            tx_id = int(str(payload))
            if self.latest is None or tx_id > self.latest:
                self.latest = tx_id
        self._signalled.set()


class Pace:
    """How long the relay waits after a round that published `published` events.

    A full batch: no wait, there is more. Otherwise, if a signalled commit lies past the
    checkpoint (held back by an older transaction still running), look again at the next
    signal or after `chase_interval`, whichever comes first, the interval a quarter longer each
    time it is still held back, up to `_CHASE_CAP` (or the poll if shorter); else wait for the
    next signal, at most `poll_interval`. The store's horizon (`eventstore/horizon.py`) waits
    only for transactions of this store's schema: mostly other commands, which signal as soon
    as they commit, so the signal usually ends a chase before its interval does.
    What holds a commit back is mostly another short transaction anywhere in the cluster (a
    command, a projection's batch) that ends within tens or hundreds of milliseconds: doubling
    overshot its end by as much again (measured: 35 ms from commit to publish at p50, under
    load), and the cap bounds the overshoot. A long one (a rebuild) costs an indexed read that
    finds nothing every 25 ms while it runs.
    """

    def __init__(self, wakeup: Wakeup, settings: RelaySettings) -> None:
        self._wakeup = wakeup
        self._settings = settings
        self._chase = settings.chase_interval

    async def after(self, published: int, position: Position | None, stop: asyncio.Event) -> None:
        s = self._settings
        if published >= s.batch_size:
            return
        if published or not self._wakeup.behind(position):
            self._chase = s.chase_interval
        if self._wakeup.behind(position):
            # what holds it back is mostly another appender of this store, which signals once
            # it committed: that signal ends the wait, the chase bounds it when none comes
            await self._wakeup.wait(stop, self._chase)
            self._chase = min(_GROWTH * self._chase, _CHASE_CAP, s.poll_interval)
        else:
            await self._wakeup.wait(stop, s.poll_interval)


async def _first(seconds: float, *waits: Coroutine[Any, Any, Any]) -> None:
    """Return when the first of `waits` is done, or after `seconds`."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
