"""The relay: one service's committed events, in global order, onto its Kafka topic.

The event store is the outbox: an event is in the store once its transaction committed, and
the relay's checkpoint says how far the broker has acknowledged. One round reads the events
after the checkpoint, publishes them all, waits for every acknowledgement and only then moves
the checkpoint, so a crash or an outage at any point may repeat events (at least once:
consumers are idempotent) but never skips one. When only the first n records of a round were
acknowledged, the checkpoint moves past exactly those n. Records keep the store's order within
each stream (key = stream id, one partition per stream, idempotent producer).

The checkpoint is kept per broker cluster id: a broker that comes back as a new, empty cluster
(the embedded broker at every start) has no checkpoint, so everything is published again. A
broker that comes back with the same id is trusted to still hold what it acknowledged, as
Kafka does; the embedded broker only does that when started with the same id on purpose.

One relay per service: `run` publishes only while it holds the service's `RelayLock` (a
PostgreSQL advisory lock, `lock.py`). A relay that cannot take it stands by and asks again;
one that finds it lost stops publishing and asks again too. On taking the lock a relay reads
the checkpoints afresh: another relay may have moved them while it stood by. After a round with
nothing new it waits for its `Wakeup` (`wakeup.py`): the store's commit signal (LISTEN/NOTIFY)
ends the wait at once, the poll stays as the fallback.

Liveness: every round and every ask for the lock is a unit of work of the relay's `Liveness`
(`liveness.py`): a round that hangs fails the liveness check, waits (polls, back-off) do not.

Metrics: each acknowledged event counts in `lmis_relay_published_events_total{service}`; the lag
is counted from the store (`lag.py`), which needs `cluster` (the broker last published to).

Everything outside this module is a port: `EventSource` (the store's `read_all`, or another
outbox, see `route`), `Checkpoints`, `Publisher`, `RelayLock`, `Wakeup`: unit tests use fakes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from opentelemetry import trace
from opentelemetry.trace import Span, Tracer
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential_jitter

from lmis_shared.cloudevents import Headers, to_kafka
from lmis_shared.events import RecordedEvent
from lmis_shared.eventstore import Position
from lmis_shared.liveness import Liveness
from lmis_shared.logging import get_logger
from lmis_shared.metrics import meter
from lmis_shared.outages import UNREACHABLE_TYPES
from lmis_shared.relay._tracing import (
    end_spans,
    start_publish_span,
    traceparent_of,
    with_traceparent,
)
from lmis_shared.relay.leadership import LockLost, NoLock, RelayLock
from lmis_shared.relay.settings import RelaySettings
from lmis_shared.relay.wakeup import Pace, Sleeping, Wakeup

log = get_logger(__name__)

PUBLISHED = meter(__name__).create_counter(
    "lmis.relay.published_events",
    unit="{event}",
    description="events the broker acknowledged from the service's relay (repeats included)",
)


@dataclass(frozen=True)
class OutboundRecord:
    key: bytes
    value: bytes
    headers: Headers
    topic: str | None = None  # not the publisher's: a relay with a `route` (notify's feeds)


class Unavailable(Exception):
    """The broker cannot be reached or refused the records: try again later."""


class PublishFailed(Unavailable):
    """Only the first `acked` records of a batch were acknowledged."""

    def __init__(self, acked: int, cause: BaseException | None = None) -> None:
        super().__init__(f"{acked} record(s) acknowledged, then {type(cause).__name__}")
        self.acked = acked
        self.cause = cause


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (Unavailable, *UNREACHABLE_TYPES)
"""Errors that mean "not now" (`lmis_shared.outages`: a failover's 57P01 or 53300 too): the
relay waits and tries again. Anything else is a bug."""


class EventSource(Protocol):
    async def read_all(self, after: Position | None, limit: int = 500) -> list[RecordedEvent]: ...


class Checkpoints(Protocol):
    async def load(self, cluster_id: str, topic: str) -> Position | None: ...

    async def save(self, cluster_id: str, topic: str, position: Position) -> None: ...


class Publisher(Protocol):
    @property
    def topic(self) -> str: ...

    async def cluster_id(self) -> str:
        """The cluster it publishes to, connecting (and creating the topic) first if needed.

        Raises Unavailable when the broker cannot be reached.
        """
        ...

    async def publish(self, records: Sequence[OutboundRecord]) -> None:
        """Send the records in order, keyed, and return once the broker acknowledged all.

        Raises PublishFailed saying how many, from the first, were acknowledged.
        """
        ...

    async def close(self) -> None: ...


@dataclass
class RelayStats:
    published: int = 0
    """Events the broker acknowledged since the relay started (repeats included)."""
    failed_attempts: int = 0
    last_error: str | None = None
    """Type of the last error that made the relay wait, None once it succeeds again."""
    leading: bool = False
    """Whether it holds the lock, and so is the relay that publishes."""
    refused: int = 0
    """How many times it asked for the lock and another relay held it."""
    lost: int = 0
    """How many times it found, while leading, that it no longer held the lock."""


class _Stopped(Exception):
    """Raised out of a retry wait when the relay was asked to stop."""


class Relay:
    """Publishes one store's events to one topic; `publish_pending` is one round, `run` loops."""

    def __init__(
        self,
        source: EventSource,
        checkpoints: Checkpoints,
        publisher: Publisher,
        settings: RelaySettings | None = None,
        *,
        lock: RelayLock | None = None,
        liveness: Liveness | None = None,
        tracer: Tracer | None = None,
        service: str | None = None,
        route: Callable[[RecordedEvent], str] | None = None,
        wakeup: Wakeup | None = None,
    ) -> None:
        """`service`: the service in the metrics (default: the topic); `route`: each event's
        topic (default: the publisher's); `wakeup`: what ends an idle wait (default: the poll)."""
        self._route = route
        self._source = source
        self._checkpoints = checkpoints
        self._publisher = publisher
        self._settings = settings or RelaySettings()
        self._lock: RelayLock = lock or NoLock()
        self._wakeup: Wakeup = wakeup or Sleeping()
        self.liveness = liveness or Liveness()
        self._tracer = tracer or trace.get_tracer(__name__)
        self._positions: dict[str, Position | None] = {}
        """The stored checkpoint per cluster id: the relay is its only writer."""
        self.stats = RelayStats()
        self.service = service or publisher.topic
        self.cluster: str | None = None
        """The id of the broker cluster it last reached; None before it reached one."""
        # the series exists from the start: a rate over it, or its first increase, is then seen
        PUBLISHED.add(0, {"service": self.service})

    @property
    def topic(self) -> str:
        return self._publisher.topic

    async def publish_pending(self) -> int:
        """Publish the next batch after the checkpoint; how many events (0: nothing new).

        One round, whether or not this relay holds the lock: `run` calls it only while it
        does. Raises one of TRANSIENT_ERRORS when the broker or the database cannot be reached; the
        checkpoint then covers exactly the events the broker acknowledged.
        """
        cluster = self.cluster = await self._publisher.cluster_id()
        after = await self._checkpoint(cluster)
        events = await self._source.read_all(after, self._settings.batch_size)
        if not events:
            return 0
        spans = [start_publish_span(self._tracer, e, self.topic) for e in events]
        route = self._route
        topics = [route(e) if route else None for e in events]
        records = [_record(*r) for r in zip(events, spans, topics, strict=True)]
        try:
            await self._publisher.publish(records)
        except PublishFailed as failed:
            end_spans(spans, failed.acked, failed.cause or failed)
            await self._advance(cluster, events[: failed.acked])
            raise
        except BaseException as exc:
            end_spans(spans, 0, exc)
            raise
        end_spans(spans, len(spans), None)
        await self._advance(cluster, events)
        return len(events)

    async def run(self, stop: asyncio.Event) -> None:
        """Publish while leading, until `stop` is set; return after the round in flight.

        Without the lock it stands by and asks again every `standby_interval`. Failures to
        reach the broker or the database only delay publishing: the round is retried with
        exponential backoff for as long as it takes. Its lock is released however it ends.
        """
        log.info("relay.started", topic=self.topic)
        try:
            while await self._lead(stop):
                try:
                    await self._publish_while_leading(stop)
                except LockLost:
                    # the session that held it ended: another relay may be publishing now
                    log.warning("relay.lock_lost", topic=self.topic)
                    self.stats.lost += 1
                    self.stats.leading = False
                    await self._lock.release()
        except _Stopped:
            pass
        finally:
            self.stats.leading = False
            await self._lock.release()
            await self._wakeup.close()
        log.info("relay.stopped", topic=self.topic, published=self.stats.published)

    async def _lead(self, stop: asyncio.Event) -> bool:
        """Wait until this relay holds the lock (True) or `stop` is set (False)."""
        standing_by = False
        while not stop.is_set():
            try:
                with self.liveness.busy():
                    taken = await self._lock.try_acquire()
            except TRANSIENT_ERRORS as exc:
                log.warning("relay.lock_unavailable", topic=self.topic, error=type(exc).__name__)
            else:
                if taken:
                    self._positions.clear()  # another relay may have moved them meanwhile
                    self.stats.leading = True
                    log.info("relay.leading", topic=self.topic)
                    return True
                self.stats.refused += 1
                if not standing_by:
                    log.info("relay.standing_by", topic=self.topic, reason="another relay leads")
                    standing_by = True
            await _wait(stop, self._settings.standby_interval)
        return False

    async def _publish_while_leading(self, stop: asyncio.Event) -> None:
        pace = Pace(self._wakeup, self._settings)
        while not stop.is_set():
            published: int = await self._retrying(stop)(self._round)
            await pace.after(published, self._positions.get(self.cluster or ""), stop)

    async def _round(self) -> int:
        with self.liveness.busy():
            if not await self._lock.held():
                raise LockLost
            return await self.publish_pending()

    async def close(self) -> None:
        await self._publisher.close()

    async def _checkpoint(self, cluster: str) -> Position | None:
        if cluster not in self._positions:
            position = await self._checkpoints.load(cluster, self.topic)
            self._positions[cluster] = position
            # a cluster without a checkpoint is new or empty: it gets every event again
            log.info(
                "relay.cluster",
                topic=self.topic,
                cluster_id=cluster,
                republish_all=position is None,
            )
        return self._positions[cluster]

    async def _advance(self, cluster: str, published: Sequence[RecordedEvent]) -> None:
        if not published:
            return
        position = published[-1].position
        if position is None:
            raise ValueError("an event without a position did not come from an event store")
        await self._checkpoints.save(cluster, self.topic, position)
        self._positions[cluster] = position
        self.stats.published += len(published)
        PUBLISHED.add(len(published), {"service": self.service})
        if self.stats.last_error is not None:
            log.info(
                "relay.recovered", topic=self.topic, failed_attempts=self.stats.failed_attempts
            )
            self.stats.last_error = None
        log.debug("relay.published", topic=self.topic, events=len(published), position=position)

    def _retrying(self, stop: asyncio.Event) -> AsyncRetrying:
        s = self._settings
        return AsyncRetrying(
            retry=retry_if_exception_type(TRANSIENT_ERRORS),
            wait=wait_exponential_jitter(
                multiplier=s.retry_initial, max=s.retry_max, jitter=s.retry_initial
            ),
            sleep=partial(_wait_or_stop, stop),
            before_sleep=self._note_failure,
            reraise=True,
        )

    def _note_failure(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        self.stats.failed_attempts += 1
        self.stats.last_error = type(error).__name__
        # the error's type only: texts from drivers may quote the data they choked on
        log.warning(
            "relay.unavailable",
            topic=self.topic,
            error=self.stats.last_error,
            attempt=state.attempt_number,
            retry_in=round(state.upcoming_sleep, 2),
        )


def _record(event: RecordedEvent, span: Span, topic: str | None) -> OutboundRecord:
    key, value, headers = to_kafka(event)  # the consumer's span continues from the publish span
    return OutboundRecord(key, value, with_traceparent(headers, traceparent_of(span)), topic)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def _wait_or_stop(stop: asyncio.Event, seconds: float) -> None:
    await _wait(stop, seconds)
    if stop.is_set():
        raise _Stopped
