"""One PRODUCER span per published event, continuing the trace of the command that appended it.

Only the OpenTelemetry API is used here: the process's SDK (if any) decides what is recorded.
Without an SDK the span is a non-recording stand-in for the command's span, so the record
still carries the command's trace id.
"""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from lmis_shared.cloudevents import Headers
from lmis_shared.events import RecordedEvent

_PROPAGATOR = TraceContextTextMapPropagator()
TRACEPARENT = "traceparent"


def start_publish_span(tracer: Tracer, event: RecordedEvent, topic: str) -> Span:
    """`relay.publish <event type>`, child of the span named by the event's `traceparent`."""
    m = event.metadata
    parent = _PROPAGATOR.extract({TRACEPARENT: m.traceparent}) if m.traceparent else Context()
    return tracer.start_span(
        f"relay.publish {m.event_type}",
        context=parent,
        kind=SpanKind.PRODUCER,
        attributes={
            # ids and types only: the event's data may hold personal fields
            "messaging.system": "kafka",
            "messaging.operation.type": "publish",
            "messaging.destination.name": topic,
            "messaging.message.id": str(m.event_id),
            "lmis.event.type": m.event_type,
            "lmis.stream.id": str(m.stream_id),
            "lmis.stream.version": m.stream_version,
        },
    )


def traceparent_of(span: Span) -> str | None:
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
    return carrier.get(TRACEPARENT)


def with_traceparent(headers: Headers, traceparent: str | None) -> Headers:
    """`headers` whose `traceparent` is `traceparent` (the relay's span), not the command's."""
    kept = [(name, value) for name, value in headers if name != TRACEPARENT]
    return kept if traceparent is None else [*kept, (TRACEPARENT, traceparent.encode())]


def end_spans(spans: Sequence[Span], acked: int, error: BaseException | None) -> None:
    """End the first `acked` spans as delivered and the rest as failed with `error`'s type."""
    for index, span in enumerate(spans):
        if index >= acked:
            # the type only: a client's message may quote the record it failed on
            reason = type(error).__name__ if error is not None else "not acknowledged"
            span.set_status(Status(StatusCode.ERROR, reason))
        span.end()
