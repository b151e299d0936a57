"""Tracing: one TracerProvider per process, and the W3C context carried across Kafka.

`setup_telemetry` builds the SDK provider with `service.name = lmis-<service>` and the exporter
that `settings.otel_exporter` names:
  * `jsonl` — `JsonLinesSpanExporter`, one JSON object per finished span appended to
    `<data_dir>/traces/<service>.jsonl` (embedded mode: readable with `jq`, no collector);
  * `otlp`  — OTLP over HTTP/protobuf, configured by the standard `OTEL_EXPORTER_OTLP_*`
    variables (production: an OpenTelemetry Collector);
  * `none`  — spans are created (trace ids still reach logs and events) but not exported.
Spans go through a BatchSpanProcessor; `provider.shutdown()` flushes them. Both exporters sit
behind `RedactingSpanExporter`, which masks personal values in attributes, events and the
status text with the logs' rule (`lmis_shared.logging.redact`) before a span leaves the process.

Public API:
    setup_telemetry(service_name: str, settings: CommonSettings, *,
                    set_global: bool = True) -> TracerProvider
    JsonLinesSpanExporter(path: Path)
    span_exporter(service_name, settings) -> SpanExporter | None   the configured one, redacting
    RedactingSpanExporter(exporter: SpanExporter)   what every exporter is wrapped in
    redacted_span(span: ReadableSpan) -> ReadableSpan
    span_to_json(span: ReadableSpan) -> dict[str, object]
    current_traceparent() -> str | None             W3C `traceparent` of the current span
    context_from_traceparent(tp: str | None) -> Context   parent context for a consumer's span
    scrub_http_span(span: Span, scope: dict) -> None   the FastAPI instrumentation's hook
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, urlencode

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import Status
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from lmis_shared.logging import REDACTED, redact, redact_text
from lmis_shared.settings import CommonSettings

_PROPAGATOR = TraceContextTextMapPropagator()


def setup_telemetry(
    service_name: str, settings: CommonSettings, *, set_global: bool = True
) -> TracerProvider:
    """The process's TracerProvider; also made the global one unless `set_global` is False.

    OpenTelemetry lets the global provider be set once per process; a second call (tests
    that build several apps) returns a working provider that is simply not global.
    """
    resource = Resource.create({SERVICE_NAME: f"lmis-{service_name}"})
    provider = TracerProvider(resource=resource)
    exporter = span_exporter(service_name, settings)
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    if set_global and _global_provider_is_unset():
        trace.set_tracer_provider(provider)
    return provider


def span_exporter(service_name: str, settings: CommonSettings) -> SpanExporter | None:
    """The exporter `settings.otel_exporter` names, behind the redaction every one shares."""
    exporter = _exporter(service_name, settings)
    return None if exporter is None else RedactingSpanExporter(exporter)


def _exporter(service_name: str, settings: CommonSettings) -> SpanExporter | None:
    if settings.otel_exporter == "jsonl":
        return JsonLinesSpanExporter(settings.traces_dir / f"{service_name}.jsonl")
    if settings.otel_exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    return None


def _global_provider_is_unset() -> bool:
    return isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


class RedactingSpanExporter(SpanExporter):
    """Hands `exporter` copies of the spans with personal values masked: whatever an
    instrumentation put in an attribute (a query, a statement, an exception's message), the
    OTLP collector and the JSONL file get the same redacted span."""

    def __init__(self, exporter: SpanExporter) -> None:
        self._exporter = exporter

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self._exporter.export([redacted_span(s) for s in spans])

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._exporter.force_flush(timeout_millis)

    def shutdown(self) -> None:
        self._exporter.shutdown()


def redacted_span(span: ReadableSpan) -> ReadableSpan:
    status = span.status
    if status.description:
        status = Status(status.status_code, redact_text(status.description))
    return ReadableSpan(
        name=redact_text(span.name),
        context=span.get_span_context(),
        parent=span.parent,
        resource=span.resource,
        attributes=_redacted_attributes(span.attributes),
        events=[
            Event(e.name, _redacted_attributes(e.attributes), e.timestamp) for e in span.events
        ],
        links=span.links,
        kind=span.kind,
        status=status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def _redacted_attributes(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    redacted = redact(dict(attributes or {}))
    assert isinstance(redacted, dict)  # `redact` answers a mapping for a mapping
    return redacted


class JsonLinesSpanExporter(SpanExporter):
    """Appends each finished span as one JSON line; the file is opened on the first export."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._file: IO[str] | None = None

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(json.dumps(span_to_json(s), ensure_ascii=False) + "\n" for s in spans)
        with self._lock:
            if self._file is None:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self._path.open("a", encoding="utf-8")
            self._file.write(lines)
            self._file.flush()
        return SpanExportResult.SUCCESS

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True  # every export is flushed already

    def shutdown(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def span_to_json(span: ReadableSpan) -> dict[str, object]:
    context = span.get_span_context()
    assert context is not None  # an SDK span always has one
    return {
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
        "parent_span_id": format(span.parent.span_id, "016x") if span.parent else None,
        "name": span.name,
        "kind": span.kind.name,
        "start_time": _iso(span.start_time),
        "end_time": _iso(span.end_time),
        "status": span.status.status_code.name,
        "status_description": span.status.description,
        "attributes": redact(dict(span.attributes or {})),
        "events": [
            {
                "name": e.name,
                "time": _iso(e.timestamp),
                "attributes": redact(dict(e.attributes or {})),
            }
            for e in span.events
        ],
        "service": span.resource.attributes.get(SERVICE_NAME),
        # a batch's span links the spans of its records (`processing/tracing.py`): ids only
        "links": [
            {
                "trace_id": format(link.context.trace_id, "032x"),
                "span_id": format(link.context.span_id, "016x"),
            }
            for link in span.links
        ],
    }


def _iso(nanoseconds: int | None) -> str | None:
    if nanoseconds is None:
        return None
    return datetime.fromtimestamp(nanoseconds / 1e9, tz=UTC).isoformat()


def current_traceparent() -> str | None:
    """The W3C `traceparent` value of the current span, or None outside any span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(tp: str | None) -> Context:
    """A context whose parent is the span `tp` names; an empty context for None or garbage."""
    if not tp:
        return Context()
    return _PROPAGATOR.extract({"traceparent": tp})


def scrub_http_span(span: trace.Span, scope: dict[str, Any]) -> None:
    """Keep query values (`q=` may hold a name) and ID-shaped path parts out of the span.

    Runs as the instrumentation's server request hook, after it set its attributes: the
    overwrites replace them, since a span attribute cannot be deleted.
    """
    if not span.is_recording():
        return
    path = redact_text(str(scope.get("path", "")))
    query = _scrubbed_query(scope.get("query_string", b""))
    target = f"{path}?{query}" if query else path
    span.set_attribute("http.target", target)
    span.set_attribute("url.path", path)
    if query:
        span.set_attribute("url.query", query)
    span.set_attribute("http.url", f"{_origin(scope)}{target}")


def _origin(scope: dict[str, Any]) -> str:
    host, port = scope.get("server") or ("localhost", None)
    host = f"{host}:{port}" if port else host
    return f"{scope.get('scheme', 'http')}://{host}"


def _scrubbed_query(raw: bytes | str) -> str:
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    names = [name for name, _ in parse_qsl(text, keep_blank_values=True)]
    return urlencode([(name, REDACTED) for name in names], safe="[]")
