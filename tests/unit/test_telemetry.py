"""Trace context travels as a W3C traceparent; finished spans land in a JSON-lines file."""

from __future__ import annotations

import json
from pathlib import Path

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, Status, StatusCode

from lmis_shared.logging import REDACTED
from lmis_shared.settings import CommonSettings
from lmis_shared.telemetry import (
    RedactingSpanExporter,
    context_from_traceparent,
    current_traceparent,
    setup_telemetry,
    span_exporter,
)

CITIZEN_ID = "012198001234"


def test_there_is_no_traceparent_outside_a_span() -> None:
    assert current_traceparent() is None


def test_a_consumer_span_continues_the_producers_trace() -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("append") as producer:
        carried = current_traceparent()

    with tracer.start_as_current_span("project", context=context_from_traceparent(carried)) as c:
        consumer = c

    assert consumer.get_span_context().trace_id == producer.get_span_context().trace_id
    assert consumer.parent is not None
    assert consumer.parent.span_id == producer.get_span_context().span_id


def test_a_missing_or_garbled_traceparent_starts_a_new_trace() -> None:
    for garbage in (None, "", "not-a-traceparent"):
        parent = trace.get_current_span(context_from_traceparent(garbage))
        assert not parent.get_span_context().is_valid


def test_finished_spans_are_written_one_json_object_a_line(tmp_path: Path) -> None:
    settings = CommonSettings(data_dir=tmp_path, otel_exporter="jsonl")
    provider = setup_telemetry("registry", settings, set_global=False)
    tracer = provider.get_tracer("test")
    with (
        tracer.start_as_current_span("command") as parent,
        tracer.start_as_current_span("append", attributes={"note": f"id {CITIZEN_ID}"}),
    ):
        pass
    provider.shutdown()

    text = (tmp_path / "traces" / "registry.jsonl").read_text()
    child, root = (json.loads(line) for line in text.splitlines())
    assert root["trace_id"] == format(parent.get_span_context().trace_id, "032x")
    assert child["parent_span_id"] == root["span_id"]
    assert child["service"] == "lmis-registry"
    assert child["kind"] == "INTERNAL"
    assert CITIZEN_ID not in text


def test_a_batch_span_is_written_with_the_ids_of_the_spans_it_links(tmp_path: Path) -> None:
    """How a command's trace is followed into a batch its record was applied in."""
    provider = setup_telemetry(
        "reporting", CommonSettings(data_dir=tmp_path, otel_exporter="jsonl"), set_global=False
    )
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("publish") as one, tracer.start_as_current_span("x") as two:
        pass
    links = [Link(one.get_span_context()), Link(two.get_span_context())]
    tracer.start_span("process batch", context=Context(), links=links).end()
    provider.shutdown()

    batch = json.loads((tmp_path / "traces" / "reporting.jsonl").read_text().splitlines()[-1])
    assert batch["name"] == "process batch"
    assert batch["links"] == [
        {
            "trace_id": format(s.get_span_context().trace_id, "032x"),
            "span_id": format(s.get_span_context().span_id, "016x"),
        }
        for s in (one, two)
    ]


def test_exporter_none_still_gives_trace_ids(tmp_path: Path) -> None:
    provider = setup_telemetry(
        "notify", CommonSettings(data_dir=tmp_path, otel_exporter="none"), set_global=False
    )

    with provider.get_tracer("test").start_as_current_span("sweep"):
        assert current_traceparent() is not None
    assert not (tmp_path / "traces").exists()


def test_the_otlp_and_jsonl_exporters_both_sit_behind_the_redaction(tmp_path: Path) -> None:
    for kind in ("otlp", "jsonl"):
        settings = CommonSettings(data_dir=tmp_path, otel_exporter=kind)
        assert isinstance(span_exporter("registry", settings), RedactingSpanExporter), kind
    assert span_exporter("registry", CommonSettings(otel_exporter="none")) is None


def test_what_an_exporter_receives_has_personal_values_masked() -> None:
    received = InMemorySpanExporter()  # the SDK's own test exporter, in the OTLP one's place
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(received)))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span(
        "lookup",
        attributes={
            "db.statement.parameters": f"['{CITIZEN_ID}']",
            "citizen_id": "A-not-digit-shaped-id",
            "http.route": "/v1/workers/{worker_id}",
        },
    ) as span:
        span.add_event("exception", {"exception.message": f"duplicate key ({CITIZEN_ID})"})
        span.set_status(Status(StatusCode.ERROR, f"refused {CITIZEN_ID}"))
    (exported,) = received.get_finished_spans()

    text = json.dumps(
        [dict(exported.attributes or {}), [dict(e.attributes or {}) for e in exported.events]]
    )
    assert CITIZEN_ID not in text + str(exported.status.description)
    assert "A-not-digit-shaped-id" not in text
    assert exported.attributes is not None
    assert exported.attributes["citizen_id"] == REDACTED
    assert exported.attributes["http.route"] == "/v1/workers/{worker_id}"  # the rest untouched
    assert exported.get_span_context() == span.get_span_context()
