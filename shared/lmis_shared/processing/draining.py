"""faust's record loop without four tasks per record.

faust-streaming 0.15's consumer hands each fetched record to the conductor as
`await self.wait_first(callback(record), self.suspend_flow.wait())`, so that a record whose
delivery waits (its stream's buffer full) is given up when a rebalance suspends the flow.
`wait_first` makes four tasks per record (the callback, the suspension, the consumer's stop
and crash events), an `asyncio.wait` and three cancellations: issue 14's profile of a faust
agent doing nothing had that as the largest part of faust's own time, some 40 µs a record.

Nearly every delivery finishes without waiting: the buffer has room, the flow is on. So
`LeanDrain._drain_messages` runs the callback up to its first suspension itself; one that
finishes there costs a function call; one that suspends is handed, as it stands, to
`wait_first` exactly as faust does (`_continue` resumes it in a task where it left off), and
raced against the suspension of the flow and the consumer's stop. Everything else in the loop
(read offsets, gaps, commits every `commit_every` acknowledgements, the yield to the event loop
every 100 records) is faust's own, unchanged.

A stream whose buffer is at `stream_buffer_maxsize` / 1.25 has its partitions paused (so that a
slow agent does not starve the app's others, faust-streaming issue #53) until the buffer drains
(to 40 %, or empty), and a fetcher that finds every partition paused sleeps a whole second
before it looks again. A processor is slower than its fetcher whenever it has a backlog, so it
paused, drained its buffer and then waited out the rest of that second, over and over: a faust
agent doing nothing spent about two thirds of issue 14's bench idle so, the reporting processor
about two fifths. `LeanDrain` keeps the pausing and the one-second bound, but the wait ends as
soon as a partition is resumed (`on_buffer_drop`). And while some partition is paused, a fetch
waits 50 ms, not 1 s, for new records: aiokafka holds a paused partition's fetched records
without fetching more for it, so a fetch begun while it was paused did not see it resume and
waited out its second (a third of some bench runs).
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Coroutine, Generator
from typing import Any, cast

from faust.transport.consumer import CONSUMER_FETCHING
from mode import Service

_PAUSED_WAIT = 1.0
"""Longest the fetcher waits with every partition paused before it looks again (faust's sleep)."""
_RESUME_CHECK = 0.05
"""Longest a fetch waits, while some partition is paused, before it looks again at which are
resumed (faust's is 1 s, which is how long an idle stream's fetch waits)."""


class LeanDrain:
    """Mixin for faust's `Consumer` (before it in the bases): its `_drain_messages` with the
    per-record `wait_first` only for a delivery that has to wait."""

    async def _drain_messages(self, fetcher: Any) -> None:
        consumer = cast(Any, self)
        callback = consumer.callback
        getmany = consumer.getmany
        consumer_should_stop = cast(Service, self)._stopped.is_set
        fetcher_should_stop = cast(Service, fetcher)._stopped.is_set
        get_read_offset = consumer._read_offset.__getitem__
        set_read_offset = consumer._read_offset.__setitem__
        set_flag = consumer.diag.set_flag
        unset_flag = consumer.diag.unset_flag
        commit_every = consumer._commit_every
        acks_enabled_for = consumer.app.topics.acks_enabled_for
        since_yield = 0
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                set_flag(CONSUMER_FETCHING)
                records = getmany(timeout=1.0)
                await consumer.sleep(0)  # getmany may not yield to the loop at all
                if not consumer.should_stop:
                    async for tp, message in records:
                        since_yield += 1
                        if since_yield > 100:
                            await asyncio.sleep(0)
                            since_yield = 0
                        offset = message.offset
                        read = get_read_offset(tp)
                        if read is not None and offset < read:
                            continue  # faust drops what is behind the read offset
                        if offset - (read or 0) > 1 and read and acks_enabled_for(message.topic):
                            await consumer._add_gap(tp, read + 1, offset)
                        if commit_every is not None and consumer._n_acked >= commit_every:
                            consumer._n_acked = 0
                            await consumer.commit()
                        await self._deliver(callback(message))
                        set_read_offset(tp, offset)
                    unset_flag(CONSUMER_FETCHING)
        except consumer.consumer_stopped_errors:
            if consumer.transport.app.should_stop:
                consumer.log.info("Broker stopped consumer, shutting down...")
                return
            raise
        except asyncio.CancelledError:
            if consumer.transport.app.should_stop:
                consumer.log.info("Consumer shutting down for user cancel.")
                return
            raise
        except Exception as exc:
            consumer.log.exception("Drain messages raised: %r", exc)
            raise
        finally:
            unset_flag(CONSUMER_FETCHING)

    def on_buffer_drop(self, tp: Any) -> None:
        cast(Any, super()).on_buffer_drop(tp)
        self._resumed().set()

    async def _wait_next_records(self, timeout: float) -> Any:  # noqa: ASYNC109 (faust's)
        consumer = cast(Any, self)
        paused = consumer._buffered_partitions
        if (
            paused
            and consumer.flow_active
            and not consumer.app.client_only
            and not consumer._get_active_partitions()
        ):
            # every partition paused: faust would sleep a second; wait for one to resume
            # (with none assigned at all, faust's sleep is left as it is)
            resumed = self._resumed()
            resumed.clear()
            await consumer.wait(resumed, timeout=_PAUSED_WAIT)
        if paused:
            # aiokafka's fetch waits only for new data, and holds none back for a partition
            # whose records it has buffered: one resumed meanwhile waits out the whole timeout
            timeout = min(timeout, _RESUME_CHECK)
        return await cast(Any, super())._wait_next_records(timeout)

    def _resumed(self) -> asyncio.Event:
        """Set when a paused partition is resumed (made on first use, in the app's loop)."""
        event: asyncio.Event | None = getattr(self, "_lmis_resumed", None)
        if event is None:
            event = asyncio.Event()
            self._lmis_resumed = event
        return event

    async def _deliver(self, delivery: Coroutine[Any, Any, Any]) -> None:
        try:
            waiting_on = delivery.send(None)
        except StopIteration:
            return  # delivered without waiting: the common case
        consumer = cast(Any, self)
        await consumer.wait_first(_finish(delivery, waiting_on), consumer.suspend_flow.wait())


async def _finish(delivery: Coroutine[Any, Any, Any], waiting_on: Any) -> None:
    # a coroutine, which `wait_first` takes for one (a generator-based one it does not)
    await _continue(delivery, waiting_on)


@types.coroutine
def _continue(delivery: Coroutine[Any, Any, Any], waiting_on: Any) -> Generator[Any, Any, None]:
    """The rest of `delivery`, suspended on `waiting_on`, as an awaitable a task can run: it
    yields what the coroutine waits on and passes back what the task sends or throws."""
    try:
        while True:
            try:
                sent = yield waiting_on
            except BaseException as exc:  # a cancellation, passed on to the delivery
                waiting_on = delivery.throw(exc)
            else:
                waiting_on = delivery.send(sent)
    except StopIteration:
        return
    finally:
        delivery.close()  # a cancelled wait: nothing left to run (a no-op once finished)
