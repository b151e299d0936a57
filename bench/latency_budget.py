"""Where each millisecond of a command goes, from its trace (bench/latency.py's budget).

Every span of a command shares its trace id: the HTTP request's server span, the event store's
append (`eventstore.append`), the relay's `relay.publish <type>` (PRODUCER) and each processor's
`process <type>` (CONSUMER, attribute `lmis.projection`). The steps, per command:

  request      the client's POST until the server span starts (HTTP on localhost)
  http         the server span: load, authorise, decide, append, answer
  append       the event store's append span (inside `http`; its end is the commit)
  notice       the append's end until the relay's publish span starts: the commit signal (or the
               poll) reaching the relay, and its gap-safe read
  publish      the relay's publish span: records sent, acknowledged by the broker
  fetch        the publish span's end until the processor's span starts: the broker holding the
               record until the consumer's next fetch, faust handing it to the agent
  apply        the processor's span: decode, apply in one transaction with the positions, commit,
               acknowledge (for a record applied in a batch: the batch's span, which links it)
  seen         the processor's span end until the bench's reader saw the change (its 2 ms poll)

The spans are the ones every process exports in embedded mode (`LMIS_OTEL_EXPORTER=jsonl`:
`<data_dir>/traces/<process>.jsonl`, what `lmis trace` reads); the bench sends each command
with a `traceparent` of its own, so it knows each command's trace id.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

MS = 1e6  # span times are kept in nanoseconds since the epoch


@dataclass(frozen=True)
class Span:
    name: str
    kind: str
    start_ns: int
    end_ns: int
    attributes: dict[str, Any]


def _ns(iso: str) -> int:
    moment = datetime.fromisoformat(iso)
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


def spans_by_trace(traces_dir: Path) -> dict[str, list[Span]]:
    """Every span the processes wrote to `<data_dir>/traces/*.jsonl`, by trace id; a batch's
    span (`process <topic>`, a root linking its records' spans) under each linked trace too,
    so a command applied in a batch has its apply step, the batch's."""
    found: dict[str, list[Span]] = defaultdict(list)
    for path in sorted(traces_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            span = Span(
                r["name"], r["kind"], _ns(r["start_time"]), _ns(r["end_time"]), r["attributes"]
            )
            found[r["trace_id"]].append(span)
            for linked in {link["trace_id"] for link in r.get("links", ())} - {r["trace_id"]}:
                found[linked].append(span)
    return found


@dataclass(frozen=True)
class Sample:
    """One command: when it was sent and seen (ns since the epoch), and its trace id."""

    sent_ns: int
    trace_id: str
    indicator_ns: int | None
    alert_ns: int | None


def _first(spans: Iterable[Span], name: str, projection: str | None = None) -> Span | None:
    """The earliest span so named (the registry relay's publish, not notify's feed relay's)."""
    for span in sorted(spans, key=lambda s: s.start_ns):
        if span.name.startswith(name) and (
            projection is None or span.attributes.get("lmis.projection") == projection
        ):
            return span
    return None


def steps(
    sample: Sample, spans: Sequence[Span], projection: str, seen_ns: int | None
) -> dict[str, float] | None:
    """The steps of one command through one projection, in ms (None: a span is missing)."""
    http = next((s for s in spans if s.kind == "SERVER"), None)
    append = _first(spans, "eventstore.append")
    publish = _first(spans, "relay.publish")
    process = _first(spans, "process ", projection)
    if http is None or append is None or publish is None or process is None or seen_ns is None:
        return None
    return {
        "request": (http.start_ns - sample.sent_ns) / MS,
        "http": (http.end_ns - http.start_ns) / MS,
        "append": (append.end_ns - append.start_ns) / MS,
        "notice": (publish.start_ns - append.end_ns) / MS,
        "publish": (publish.end_ns - publish.start_ns) / MS,
        "fetch": (process.start_ns - publish.end_ns) / MS,
        "apply": (process.end_ns - process.start_ns) / MS,
        "seen": (seen_ns - process.end_ns) / MS,
        "total": (seen_ns - sample.sent_ns) / MS,
    }


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
    samples: Sequence[Sample], traces: dict[str, list[Span]], projection: str, alert: bool
) -> dict[str, dict[str, float]]:
    """Each step's p50/p95/p99/max over the commands whose trace is whole."""
    rows = []
    for sample in samples:
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
