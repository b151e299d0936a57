"""`lmis trace <trace-id>`: one trace as a tree, read from the JSON-lines span files that every
embedded process writes to `<data_dir>/traces/<process>.jsonl` (`lmis_shared.telemetry`).

The operations team follows a command from its HTTP request through the event store append, the
relay's publish and the processors to the indicator or alert it moved; in production the same
spans go to the Collector and Jaeger. A trace id is what an error's problem detail quotes
(`trace_id`), so this is where a support call starts on an embedded platform.

Spans whose parent is not in the files (a caller outside LMIS) are shown as roots. Span
attributes are ids, types and counts only: no personal data is in them to print.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.tree import Tree

TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Span:
    span_id: str
    parent_id: str | None
    name: str
    service: str
    start: datetime
    end: datetime
    status: str
    attributes: dict[str, Any]

    @property
    def milliseconds(self) -> float:
        return (self.end - self.start).total_seconds() * 1000


def spans_of(traces_dir: Path, trace_id: str) -> list[Span]:
    """Every span of `trace_id` in the directory's files, in start order."""
    found = [
        _span(record)
        for path in sorted(traces_dir.glob("*.jsonl"))
        for record in _records(path, trace_id)
    ]
    return sorted(found, key=lambda s: s.start)


def tree(trace_id: str, spans: list[Span]) -> Tree:
    """The trace as a tree: each span with its process, duration and outcome."""
    known = {s.span_id for s in spans}
    children: dict[str | None, list[Span]] = defaultdict(list)
    for span in spans:
        children[span.parent_id if span.parent_id in known else None].append(span)
    first = spans[0].start if spans else None
    root = Tree(f"trace {trace_id}")

    def add(branch: Tree, span: Span) -> None:
        offset = (span.start - first).total_seconds() * 1000 if first else 0.0
        failed = " [red]ERROR[/red]" if span.status == "ERROR" else ""
        label = (
            f"[bold]{span.name}[/bold]  {span.service}  "
            f"+{offset:.1f} ms, {span.milliseconds:.1f} ms{failed}"
        )
        node = branch.add(label)
        for child in children[span.span_id]:
            add(node, child)

    for top in children[None]:
        add(root, top)
    return root


def _records(path: Path, trace_id: str) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if trace_id not in line:  # cheap filter: the files hold every trace
                continue
            record: dict[str, Any] = json.loads(line)
            if record.get("trace_id") == trace_id:
                yield record


def _span(record: dict[str, Any]) -> Span:
    return Span(
        span_id=record["span_id"],
        parent_id=record.get("parent_span_id"),
        name=record["name"],
        service=record.get("service", "?"),
        start=datetime.fromisoformat(record["start_time"]),
        end=datetime.fromisoformat(record["end_time"]),
        status=record.get("status", "UNSET"),
        attributes=record.get("attributes", {}),
    )
