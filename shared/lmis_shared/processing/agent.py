"""The agent that feeds one topic into one projection: decode, apply, dead-letter, acknowledge.

How records flow, and why this shape:
* The agent runs at `concurrency=1` (faust-streaming issue #606: with more, faust can commit
  past a record still in flight and lose it on restart). One actor reads every assigned
  partition, so each partition stays in order.
* Acknowledgement is manual (`stream.noack()`), and comes only after a record's effect is
  committed in PostgreSQL or the record is on the dead-letter topic. faust's automatic ack
  fires in a `finally`, so a failed or cancelled apply would otherwise still be acknowledged,
  committed, and lost (faust-streaming issue #315). What is not acknowledged comes again after
  a restart, and the projection's positions make that harmless.
* The agent decodes each record and queues it; a drain task takes whatever is queued (up to
  `batch_size`) and applies it in one transaction. Decoding happens while the drain waits on
  the previous batch's round trips to PostgreSQL, not after them. A quiet stream is handled
  one record at a time with no added delay; a busy one in batches of `batch_size`, like a
  group commit (`batching.py`: a busy stream's batch waits, briefly, to fill).
* Every well-formed record goes to the projection, whatever its type: those it does not apply
  still hold versions of their stream, which the projection checks (`versions.py`: a gap or a
  version this code cannot read yet is parked, not applied and not skipped). At start, the
  agent has the projection apply what it parked and can read now (an upcaster deployed).
* Failures to reach PostgreSQL or the broker are retried with backoff, for ever: skipping
  would make the counts wrong, while waiting only delays them. The log says what is failing.
  Any other failure to apply a batch is a poison record's: after a few attempts the batch is
  bisected down to the record that fails alone (`poison.py`), which is dead-lettered with the
  reason (kind `apply_failed`), and the rest is applied.
* Liveness: each attempt (to apply a batch, to dead-letter a record, to declare the
  dead-letter topic) is a unit of work of the process's `Liveness`; one that hangs makes
  `lmis health process <service>` fail, while waiting for records or between retries does not.
* Metrics (`metrics.py`): the projection's lag on the topic, measured every
  `metrics_interval` seconds from what the agent received and acknowledged; the events it
  applied; the records it dead-lettered, by kind of reason.
* Spans (`tracing.py`): a batch of one record gets the span `process <event type>` whose
  parent is the record's `traceparent`, so it joins the trace of the command that produced
  the event; a larger batch one span with a link to each record's producer span (a span per
  record cost as much as applying it); a dead-lettered record a span of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar, cast

import faust
from faust.types import EventT, StreamT
from opentelemetry import trace

from lmis_shared.liveness import PROCESS, Liveness
from lmis_shared.logging import get_logger
from lmis_shared.processing.batching import BatchQueue
from lmis_shared.processing.decoding import Arrival, Decoded, Rejected, decode_record
from lmis_shared.processing.dlq import DeadLetters, header_pairs
from lmis_shared.processing.metrics import APPLIED, Progress, report_lag
from lmis_shared.processing.poison import apply_isolating
from lmis_shared.processing.projection import Projection
from lmis_shared.processing.tracing import BatchSpans, Handled

log = get_logger(__name__)
T = TypeVar("T")
_MAX_BACKOFF = 10.0


def projection_agent(
    app: faust.App,
    topic: str,
    projection: Projection,
    *,
    batch_size: int = 500,
    tracer_provider: trace.TracerProvider | None = None,
    liveness: Liveness = PROCESS,
    metrics_interval: float = 5.0,
) -> Any:
    """Register on `app` an agent that applies `topic`'s events to `projection`; its work is
    marked on `liveness` (by default the process's, which `run_processor` beats), its lag
    measured every `metrics_interval` seconds."""
    source = app.topic(topic, key_type=bytes, value_type=bytes, allow_empty=True)
    progress = Progress()
    handler = _BatchHandler(
        projection,
        DeadLetters(app, topic),
        trace.get_tracer(__name__, tracer_provider=tracer_provider),
        liveness,
        progress,
    )
    report_lag(app, topic, projection.name, progress, metrics_interval)
    APPLIED.add(0, {"projection": projection.name})  # the series exists before the first event

    async def consume(stream: StreamT[bytes]) -> None:
        await _retrying("declare", handler.dead_letters.declare, liveness)
        await _retrying("resume parked", projection.resume_parked, liveness)
        # `noack` is on faust's Stream, not on the StreamT interface it is typed with
        manual = cast(StreamT[bytes], cast(Any, stream).noack())
        queue: BatchQueue[_Item] = BatchQueue(batch_size)
        drain = asyncio.create_task(handler.drain(queue, manual))
        try:
            async for event in manual.events():
                progress.received(event.message.partition, event.message.offset)
                item = handler.open(event)
                if queue.full():  # else no coroutine: this runs for every record
                    await _put(queue, item, drain)
                else:
                    queue.put_nowait(item)
        except Exception as exc:
            # faust would restart the agent, which then acknowledges newer records while the
            # queued ones never will be; faust can commit past such a gap (issue #606). Stop
            # the whole processor instead: a restart reads again from the last commit.
            await app.crash(exc)
            raise
        finally:
            drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drain

    return app.agent(source, name=f"{projection.name}.{topic}", concurrency=1)(consume)


async def _put(queue: BatchQueue[T], item: T, drain: asyncio.Task[None]) -> None:
    """Queue `item`, unless the drain task died: then raise its error instead of waiting."""
    if not queue.full():
        queue.put_nowait(item)
        return
    put = asyncio.ensure_future(queue.put(item))
    await asyncio.wait({put, drain}, return_when=asyncio.FIRST_COMPLETED)
    if not put.done():
        put.cancel()
        drain.result()  # raises what killed it
        raise RuntimeError("the projection's drain task stopped")


@dataclass
class _Item:
    event: EventT[bytes]
    arrival: Arrival | None = None
    rejected: Rejected | None = None


class _BatchHandler:
    def __init__(
        self,
        projection: Projection,
        dead_letters: DeadLetters,
        tracer: trace.Tracer,
        liveness: Liveness,
        progress: Progress,
    ) -> None:
        self.projection = projection
        self.dead_letters = dead_letters
        self.spans = BatchSpans(tracer, projection.name, dead_letters.name)
        self.liveness = liveness
        self.progress = progress

    async def drain(self, queue: BatchQueue[_Item], stream: StreamT[bytes]) -> None:
        while True:
            await self.handle(await queue.take(), stream)

    async def handle(self, items: Sequence[_Item], stream: StreamT[bytes]) -> None:
        started = time.time_ns()
        to_apply = [item for item in items if item.arrival is not None]
        new, poisoned = await apply_isolating(
            [item.arrival for item in to_apply if item.arrival is not None],
            self.projection.process,
            self.liveness,
        )
        for poison in poisoned:  # fails on its own, whatever else it is applied with
            to_apply[poison.index].rejected = Rejected(poison.reason, "apply_failed")
        APPLIED.add(sum(new), {"projection": self.projection.name})
        for item in items:
            if item.rejected is not None:
                publish = partial(self.dead_letters.publish, item.event.message, item.rejected)
                await _retrying("dead-letter", publish, self.liveness)
        for item in items:
            await stream.ack(item.event)
            self.progress.acknowledged(item.event.message.partition, item.event.message.offset)
        applied = dict(zip(map(id, to_apply), new, strict=True))
        handled = [
            Handled(item.event.message, _decoded(item), item.rejected, applied.get(id(item), False))
            for item in items
            if _decoded(item) is not None or item.rejected is not None
        ]  # a type this projection does not apply (Passing) or parked unread: no span
        self.spans.record(started, handled)

    def open(self, event: EventT[bytes]) -> _Item:
        """The record decoded, or why it is to be dead-lettered."""
        message = event.message
        item = _Item(event)
        try:
            item.arrival = decode_record(
                message.key,
                message.value,
                _pairs(message.headers),
                self.projection.event_types,
            )
        except Rejected as exc:
            item.rejected = exc
            log.warning(
                "processing.dead_letter",
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                reason=exc.reason,
            )
        return item


def _pairs(headers: Any) -> Any:
    """The record's headers as (name, value) pairs: aiokafka's list as it is (copying it cost
    as much as a tenth of decoding), anything else through `header_pairs`."""
    return headers if type(headers) in (list, tuple) else header_pairs(headers)


def _decoded(item: _Item) -> Decoded | None:
    return item.arrival if isinstance(item.arrival, Decoded) else None


async def _retrying(step: str, call: Callable[[], Awaitable[T]], liveness: Liveness) -> T:
    delay = 0.1
    while True:
        try:
            with liveness.busy():
                return await call()
        except Exception as exc:
            # the type and SQLSTATE only: driver messages can quote row values
            log.error(
                "processing.retrying",
                step=step,
                error=type(exc).__name__,
                sqlstate=getattr(exc, "sqlstate", None),
                retry_in_seconds=delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, _MAX_BACKOFF)
