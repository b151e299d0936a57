"""Where each millisecond of a command goes, from its trace (bench/latency.py's budget).

Every span of a command shares its trace id: the HTTP request's server span, the event store's
append (`eventstore.append`), the relay's `relay.publish <type>` (PRODUCER) and each processor's
`process <type>` (CONSUMER, attribute `lmis.projection`). The steps, per command:

  request      the client's POST until the server span starts (ASGI transport, in-process)
  http         the server span: load, authorise, decide, append, answer
  append       the event store's append span (inside `http`; its end is the commit)
  notice       the append's end until the relay's publish span starts: the commit signal (or the
               poll) reaching the relay, and its gap-safe read
  publish      the relay's publish span: records sent, acknowledged by the broker
  fetch        the publish span's end until the processor's span starts: the broker holding the
               record until the consumer's next fetch, faust handing it to the agent
  apply        the processor's span: decode, apply in one transaction with the positions, commit,
               acknowledge
  seen         the processor's span end until the bench's reader saw the change (its 2 ms poll)

Spans are collected in memory (`Collector`), so none is lost to sampling or a file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

MS = 1e6  # span times are nanoseconds since the epoch


class Collector:
    """An in-memory exporter, and the processor to add to each provider that should feed it."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.processor = SimpleSpanProcessor(self.exporter)

    def by_trace(self) -> dict[int, list[ReadableSpan]]:
        found: dict[int, list[ReadableSpan]] = defaultdict(list)
        for span in self.exporter.get_finished_spans():
            if span.context is not None:
                found[span.context.trace_id].append(span)
        return found

    def clear(self) -> None:
        self.exporter.clear()


@dataclass(frozen=True)
class Sample:
    """One command: when it was sent and seen (ns since the epoch), and its trace id."""

    sent_ns: int
    trace_id: int | None
    indicator_ns: int | None
    alert_ns: int | None


def _first(
    spans: Iterable[ReadableSpan], name: str, projection: str | None = None
) -> ReadableSpan | None:
    for span in spans:
        attributes = span.attributes or {}
        if span.name.startswith(name) and (
            projection is None or attributes.get("lmis.projection") == projection
        ):
            return span
    return None


def steps(
    sample: Sample, spans: Sequence[ReadableSpan], projection: str, seen_ns: int | None
) -> dict[str, float] | None:
    """The steps of one command through one projection, in ms (None: a span is missing)."""
    http = next((s for s in spans if s.kind.name == "SERVER"), None)
    append = _first(spans, "eventstore.append")
    publish = _first(spans, "relay.publish")
    process = _first(spans, "process ", projection)
    if http is None or append is None or publish is None or process is None or seen_ns is None:
        return None
    return {
        "request": (_start(http) - sample.sent_ns) / MS,
        "http": (_end(http) - _start(http)) / MS,
        "append": (_end(append) - _start(append)) / MS,
        "notice": (_start(publish) - _end(append)) / MS,
        "publish": (_end(publish) - _start(publish)) / MS,
        "fetch": (_start(process) - _end(publish)) / MS,
        "apply": (_end(process) - _start(process)) / MS,
        "seen": (seen_ns - _end(process)) / MS,
        "total": (seen_ns - sample.sent_ns) / MS,
    }


def _start(span: ReadableSpan) -> int:
    return span.start_time or 0  # a finished span has both times


def _end(span: ReadableSpan) -> int:
    return span.end_time or 0


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values, 0.50), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "p99_ms": round(percentile(values, 0.99), 1),
        "max_ms": round(max(values), 1),
    }


def budget(
    samples: Sequence[Sample], collector: Collector, projection: str, alert: bool
) -> dict[str, dict[str, float]]:
    """Each step's p50/p95/p99/max over the commands whose trace is whole."""
    traces = collector.by_trace()
    rows = []
    for sample in samples:
        if sample.trace_id is None:
            continue
        seen = sample.alert_ns if alert else sample.indicator_ns
        row = steps(sample, traces.get(sample.trace_id, []), projection, seen)
        if row is not None:
            rows.append(row)
    if not rows:
        return {}
    return {step: summary([r[step] for r in rows]) | {"commands": len(rows)} for step in rows[0]}


def table(name: str, steps_: dict[str, dict[str, float]]) -> str:
    """The budget as text, for the console."""
    lines = [f"{name}: step      p50     p95     p99     max (ms)"]
    for step, s in steps_.items():
        lines.append(f"  {step:<9}{s['p50_ms']:>8}{s['p95_ms']:>8}{s['p99_ms']:>8}{s['max_ms']:>8}")
    return "\n".join(lines)
