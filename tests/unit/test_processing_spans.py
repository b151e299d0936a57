"""The processor's spans: a child of the record's trace for a batch of one, one linked span for
a larger batch, a span of its own for each dead letter (`lmis_shared.processing.tracing`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from lmis_shared.cloudevents import to_kafka
from lmis_shared.contracts.registry import WorkerRegistered
from lmis_shared.processing import Decoded, Rejected, validate_payload
from lmis_shared.processing.tracing import BatchSpans, Handled
from tests.integration.test_processing import CITIZEN_ID, FULL_NAME, registration

TOPIC = "lmis.registry.events"


@dataclass(frozen=True)
class Message:
    """What the spans read of a faust message."""

    offset: int
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    topic: str = TOPIC
    partition: int = 0


def traceparent(n: int) -> str:
    return f"00-{n:032x}-{n:016x}-01"


def decoded(n: int) -> Decoded:
    event = registration("03637", date(2026, 2, 3), traceparent=traceparent(n))
    return Decoded(event, validate_payload(event))


def spans_of(handled: list[Handled]) -> list[ReadableSpan]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    BatchSpans(provider.get_tracer("test"), "reporting.indicator_counts", TOPIC + ".dlq").record(
        time.time_ns(), handled
    )
    return list(exporter.get_finished_spans())


def test_a_batch_of_one_continues_the_trace_of_its_record() -> None:
    (span,) = spans_of([Handled(Message(7), decoded(1), None, applied=True)])

    assert span.name == f"process {WorkerRegistered.event_type}"
    assert span.kind is SpanKind.CONSUMER
    assert span.parent is not None
    assert span.parent.span_id == 1
    assert span.context.trace_id == 1
    assert span.attributes is not None
    assert span.attributes["messaging.kafka.offset"] == 7
    assert span.attributes["lmis.projection.applied"] is True
    assert not span.links


def test_a_larger_batch_is_one_span_linked_to_each_record() -> None:
    handled = [Handled(Message(i), decoded(i + 1), None, applied=i != 2) for i in range(3)]

    (span,) = spans_of(handled)

    assert span.name == f"process {TOPIC}"
    assert span.parent is None
    assert span.attributes is not None
    assert span.attributes["messaging.batch.message_count"] == 3
    assert span.attributes["lmis.projection.applied_events"] == 2
    assert [link.context.trace_id for link in span.links] == [1, 2, 3]
    assert [link.context.span_id for link in span.links] == [1, 2, 3]


def test_a_dead_letter_in_a_batch_has_a_span_of_its_own() -> None:
    _key, _value, headers = to_kafka(decoded(9).event)
    rejected = Handled(Message(5, headers), None, Rejected("payload does not match"))
    handled = [Handled(Message(i), decoded(i + 1), None, applied=True) for i in range(2)]

    spans = spans_of([*handled, rejected])

    by_name = {span.name: span for span in spans}
    assert set(by_name) == {f"process {TOPIC}", f"process {WorkerRegistered.event_type}"}
    dead = by_name[f"process {WorkerRegistered.event_type}"]
    assert dead.status.status_code is StatusCode.ERROR
    assert dead.parent is not None
    assert dead.parent.span_id == 9
    assert dead.attributes is not None
    assert dead.attributes["lmis.dead_letter.topic"] == TOPIC + ".dlq"
    assert CITIZEN_ID not in str([s.attributes for s in spans])
    assert FULL_NAME not in str([s.attributes for s in spans])
    assert by_name[f"process {TOPIC}"].attributes["messaging.batch.message_count"] == 2  # type: ignore[index]
