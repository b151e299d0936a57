"""`lmis status`: the embedded platform's health and lags, read from its processes.

For every process `lmis up` starts (`processes.py`, the same list and ports): its health (an
API's `/readyz`; a relay's or processor's heartbeat, as `lmis health` reads it) and its metrics
port, which it scrapes for what operators watch (`lmis_shared.metrics.EXPORTED_METRICS`):
relay lag per service, projection lag per projection and topic, dead letters, open alerts;
and how often `lmis up`'s supervisor restarted each (`supervisor.py`).
A process whose health fails or whose metrics port does not answer makes the exit code 1.

`probe` does the reading through a `Fetch` and `render` only formats, so both are tested with
fakes; the command wires them to HTTP and the heartbeat files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from lmis_cli.processes import LOCALHOST, PlatformProcess, platform_processes
from lmis_cli.supervisor import read_state
from lmis_shared.liveness import LivenessSettings, check, heartbeat_path

Fetch = Callable[[str], tuple[int, str] | None]
"""GET a URL: its status code and body, or None when nothing answers."""

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ProcessStatus:
    process: PlatformProcess
    healthy: bool
    health: str
    samples: Mapping[str, Mapping[Labels, float]] | None = field(default=None)
    """The process's metric samples by name and labels; None when its port did not answer."""


def probe(process: PlatformProcess, fetch: Fetch, data_dir: Path, max_age: float) -> ProcessStatus:
    """Read one process's health and metrics."""
    kind = process.kind
    if kind == "api":
        answer = fetch(f"http://{LOCALHOST}:{process.api_port}/readyz")
        healthy = answer is not None and answer[0] == 200
        health = "ready" if healthy else "not answering" if answer is None else "not ready"
    else:
        verdict = check(heartbeat_path(data_dir, kind, process.service), max_age)
        healthy, health = verdict.alive, verdict.describe(max_age)
    scraped = fetch(process.metrics_url)
    samples = parse(scraped[1]) if scraped is not None and scraped[0] == 200 else None
    return ProcessStatus(process, healthy and samples is not None, health, samples)


def parse(text: str) -> dict[str, dict[Labels, float]]:
    """Prometheus text as {sample name: {labels: value}}."""
    found: dict[str, dict[Labels, float]] = defaultdict(dict)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name][tuple(sorted(sample.labels.items()))] = sample.value
    return dict(found)


# What the tables show: (title, sample name, label columns).
_TABLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Relay lag (events committed, not yet published)", "lmis_relay_lag_events", ("service",)),
    (
        "Projection lag (records not yet applied)",
        "lmis_projection_lag_events",
        ("projection", "topic"),
    ),
    ("Dead letters (since the processor started)", "lmis_dead_letters_total", ("topic", "reason")),
    ("Open alerts", "lmis_alerts_open", ("rule",)),
)


def render(statuses: Sequence[ProcessStatus], restarts: Mapping[str, int] | None = None) -> str:
    """The processes (with `lmis up`'s restarts of each, when given), then one table per
    watched metric, as plain text."""
    processes = [["", "PROCESS", "HEALTH", "METRICS", *(["RESTARTS"] if restarts else [])]]
    for s in statuses:
        metrics = s.process.metrics_url if s.samples is not None else "not answering"
        restarted = [str(restarts.get(s.process.name, 0))] if restarts else []
        processes.append(
            ["ok" if s.healthy else "!!", s.process.name, s.health, metrics, *restarted]
        )
    lines = _columns(processes)
    for title, name, columns in _TABLES:
        rows = [[*key, f"{value:g}"] for key, value in _rows(statuses, name, columns)]
        lines += ["", title]
        lines += [f"  {line}" for line in _columns(rows)] if rows else ["  (none reported)"]
    return "\n".join(lines)


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    """`rows` as lines of columns as wide as their widest cell, two spaces apart."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))] if rows else []
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _rows(
    statuses: Iterable[ProcessStatus], name: str, columns: Sequence[str]
) -> list[tuple[tuple[str, ...], float]]:
    """The samples named `name` of every process, summed by `columns` (a gauge of two workers
    of a group adds up, as in Prometheus)."""
    summed: dict[tuple[str, ...], float] = defaultdict(float)
    for s in statuses:
        for labels, value in (s.samples or {}).get(name, {}).items():
            by_name = dict(labels)
            summed[tuple(by_name.get(c, "") for c in columns)] += value
    return sorted(summed.items())


def http_fetch(url: str) -> tuple[int, str] | None:
    try:
        response = httpx.get(url, timeout=3)
    except httpx.HTTPError:
        return None
    return response.status_code, response.text


def run_status(data_dir: Path, fetch: Fetch = http_fetch) -> tuple[str, bool]:
    """The report of every process of the platform, and whether all are healthy."""
    max_age = LivenessSettings().max_age
    statuses = [probe(p, fetch, data_dir, max_age) for p in platform_processes()]
    restarts = {
        name: int(state.get("restarts") or 0) for name, state in read_state(data_dir).items()
    }
    return render(statuses, restarts), all(s.healthy for s in statuses)
