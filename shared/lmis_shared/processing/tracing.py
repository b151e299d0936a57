"""The processor's spans: one per record on a quiet stream, one per batch on a busy one.

A span per record cost about as much as applying the record (issue 14's profile: an SDK span,
its context parsed from the headers and its attributes, some 30 µs a record, next to the
batched SQL). OpenTelemetry's messaging conventions let a consumer that handles many messages
at once make one `process` span for the batch, linked to each message's creation context. So,
for what one transaction applied:
* a batch of one record (a quiet stream, the path of a single command): the span `process
  <event type>`, a child of the record's `traceparent`, so the command's trace goes on into it;
* a batch of more: one span `process <topic>`, a root with a link to each record's producer
  span (made only if the span is recorded; the SDK keeps the first 128,
  `OTEL_SPAN_LINK_COUNT_LIMIT`), `messaging.batch.message_count` and how many were applied;
* a record set aside on the dead-letter topic: a span of its own, status ERROR with the
  reason, whatever the batch (rare, and the one an operator looks for).
Spans are made once the batch is handled, starting at the time it started, so they cover the
apply. Attributes name topics, offsets, ids and versions, never a payload's value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from lmis_shared.processing.decoding import Decoded, Rejected
from lmis_shared.processing.dlq import header_pairs

_PROPAGATOR = TraceContextTextMapPropagator()
_EVENT_TYPE = re.compile(r"[a-z0-9][a-z0-9._-]{0,119}")


@dataclass(frozen=True)
class Handled:
    """A record the projection handles (decoded) or set aside (rejected), and its fate."""

    message: Any
    """faust's Message: topic, partition, offset, headers."""
    decoded: Decoded | None
    rejected: Rejected | None
    applied: bool = False
    """False for a redelivery or replay the positions recognised and skipped."""


class BatchSpans:
    """Makes the spans of one agent's batches (see the module's docstring)."""

    def __init__(self, tracer: trace.Tracer, projection: str, dead_letter_topic: str) -> None:
        self._tracer = tracer
        self._projection = projection
        self._dead_letter_topic = dead_letter_topic

    def record(self, started_ns: int, handled: Sequence[Handled]) -> None:
        applied = [h for h in handled if h.rejected is None and h.decoded is not None]
        for h in handled:
            if h.rejected is not None or len(handled) == 1:
                self._one(started_ns, h)
        if len(handled) > 1 and applied:
            self._batch(started_ns, applied)

    def _one(self, started_ns: int, h: Handled) -> None:
        message = h.message
        attributes: dict[str, Any] = {
            **self._common(message.topic),
            "messaging.destination.partition.id": str(message.partition),
            "messaging.kafka.offset": message.offset,
        }
        if h.decoded is not None and h.rejected is None:
            meta = h.decoded.event.metadata
            name, parent = meta.event_type, _context(meta.traceparent)
            attributes["messaging.message.id"] = str(meta.event_id)
            attributes["lmis.stream_version"] = meta.stream_version
            attributes["lmis.projection.applied"] = h.applied
        else:
            headers = _text_headers(message.headers)
            name, parent = _event_type(headers), _context(headers.get("traceparent"))
            attributes["lmis.dead_letter.topic"] = self._dead_letter_topic
        span = self._tracer.start_span(
            f"process {name}",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes=attributes,
            start_time=started_ns,
        )
        if h.rejected is not None:
            span.set_status(Status(StatusCode.ERROR, h.rejected.reason))
        span.end()

    def _batch(self, started_ns: int, applied: Sequence[Handled]) -> None:
        topic = applied[0].message.topic
        span = self._tracer.start_span(
            f"process {topic}",
            context=Context(),  # a root: its records' traces are linked, not parents
            kind=SpanKind.CONSUMER,
            attributes={
                **self._common(topic),
                "messaging.batch.message_count": len(applied),
                "lmis.projection.applied_events": sum(h.applied for h in applied),
            },
            start_time=started_ns,
        )
        if span.is_recording():
            for h in applied:
                assert h.decoded is not None
                link = _link(h.decoded.event.metadata.traceparent)
                if link is not None:
                    span.add_link(link.context)
        span.end()

    def _common(self, topic: str) -> dict[str, Any]:
        return {
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.destination.name": topic,
            "lmis.projection": self._projection,
        }


def _context(traceparent: str | None) -> Context:
    # an explicit empty context: without a traceparent the span is a root, never a child of
    # whatever happens to be current in the agent's task
    return _PROPAGATOR.extract({"traceparent": traceparent}) if traceparent else Context()


def _link(traceparent: str | None) -> Link | None:
    context = trace.get_current_span(_context(traceparent)).get_span_context()
    return Link(context) if context.is_valid else None


def _text_headers(headers: Any) -> Mapping[str, str]:
    pairs = header_pairs(headers)
    return {name: value.decode("utf-8", "replace") for name, value in pairs if value is not None}


def _event_type(headers: Mapping[str, str]) -> str:
    """The record's `ce_type` when it looks like one (a span name must stay tame)."""
    value = headers.get("ce_type", "")
    return value if _EVENT_TYPE.fullmatch(value) else "unknown"
