"""`lmis status` and the process list it shares with `lmis up`: every process has its own
metrics port, and the report shows health and lags as the processes' metrics say them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lmis_cli.embedded import free_port
from lmis_cli.main import app
from lmis_cli.processes import PlatformProcess, platform_processes
from lmis_cli.services import SERVICES
from lmis_cli.status import ProcessStatus, parse, probe, render, run_status
from lmis_shared.liveness import Liveness, beat, heartbeat_path

MAX_AGE = 120.0

RELAY_METRICS = """\
# HELP lmis_relay_lag_events events committed, not yet acknowledged
# TYPE lmis_relay_lag_events gauge
lmis_relay_lag_events{service="registry"} 7.0
# HELP lmis_relay_published_events_total events acknowledged
# TYPE lmis_relay_published_events_total counter
lmis_relay_published_events_total{service="registry"} 120.0
"""

PROCESSOR_METRICS = """\
# HELP lmis_projection_lag_events records not applied yet
# TYPE lmis_projection_lag_events gauge
lmis_projection_lag_events{projection="indicators",topic="lmis.registry.events"} 3.0
lmis_projection_lag_events{projection="indicators",topic="lmis.permits.events"} 0.0
# HELP lmis_dead_letters_total records set aside
# TYPE lmis_dead_letters_total counter
lmis_dead_letters_total{reason="invalid_payload",topic="lmis.registry.events"} 2.0
"""

NOTIFY_METRICS = """\
# HELP lmis_alerts_open alerts not resolved
# TYPE lmis_alerts_open gauge
lmis_alerts_open{rule="permit_expiring"} 4.0
lmis_alerts_open{rule="report_due"} 0.0
"""


def process(
    name: str, kind: str, service: str, port: int, api: int | None = None
) -> PlatformProcess:
    return PlatformProcess(name, kind, service, port, api)  # type: ignore[arg-type]


def test_every_process_of_the_platform_gets_its_own_metrics_port_in_a_stable_order() -> None:
    processes = platform_processes({"LMIS_EMBEDDED_METRICS_BASE": "9500"})

    kinds = [p.kind for p in processes]
    assert kinds.count("api") == len(SERVICES)
    assert kinds.count("relay") == sum(s.publishes_events for s in SERVICES.values())
    assert kinds.count("process") == sum(s.processor is not None for s in SERVICES.values())
    assert [p.metrics_port for p in processes] == list(range(9500, 9500 + len(processes)))
    assert processes[:2] == [
        PlatformProcess("registry", "api", "registry", 9500, 8001),
        PlatformProcess("registry-relay", "relay", "registry", 9501),
    ]
    assert processes == platform_processes({"LMIS_EMBEDDED_METRICS_BASE": "9500"})
    assert platform_processes({})[0].metrics_url == "http://127.0.0.1:9101/metrics"
    assert {p.command for p in processes} >= {("serve", "notify"), ("process", "reporting")}


def test_the_report_shows_health_and_the_lags_the_processes_export(tmp_path: Path) -> None:
    api = process("registry", "api", "registry", 9101, 8001)
    relay = process("registry-relay", "relay", "registry", 9102)
    processor = process("reporting-processor", "process", "reporting", 9103)
    notify = process("notify-processor", "process", "notify", 9104)
    for kind, service in (("relay", "registry"), ("process", "reporting"), ("process", "notify")):
        beat(Liveness(), heartbeat_path(tmp_path, kind, service))  # type: ignore[arg-type]
    answers = {
        "http://127.0.0.1:8001/readyz": (200, "{}"),
        api.metrics_url: (200, ""),
        relay.metrics_url: (200, RELAY_METRICS),
        processor.metrics_url: (200, PROCESSOR_METRICS),
        notify.metrics_url: (200, NOTIFY_METRICS),
    }

    statuses = [probe(p, answers.get, tmp_path, MAX_AGE) for p in (api, relay, processor, notify)]
    report = render(statuses)

    assert all(s.healthy for s in statuses)
    lines = report.splitlines()
    assert lines[1].split()[:3] == ["ok", "registry", "ready"]
    assert lines[2].split()[:3] == ["ok", "registry-relay", "alive:"]
    assert relay.metrics_url in lines[2]
    assert ["registry", "7"] in [line.split() for line in lines]
    assert ["indicators", "lmis.registry.events", "3"] in [line.split() for line in lines]
    assert ["indicators", "lmis.permits.events", "0"] in [line.split() for line in lines]
    assert ["lmis.registry.events", "invalid_payload", "2"] in [line.split() for line in lines]
    assert ["permit_expiring", "4"] in [line.split() for line in lines]


def test_a_process_down_not_ready_or_without_metrics_is_reported_unhealthy(
    tmp_path: Path,
) -> None:
    api = process("permits", "api", "permits", 9101, 8002)
    relay = process("permits-relay", "relay", "permits", 9102)
    processor = process("reporting-processor", "process", "reporting", 9103)
    beat(Liveness(), heartbeat_path(tmp_path, "process", "reporting"))
    answers = {
        "http://127.0.0.1:8002/readyz": (503, "{}"),
        api.metrics_url: (200, ""),
        relay.metrics_url: (200, RELAY_METRICS),
    }

    not_ready, no_heartbeat, no_metrics = (
        probe(p, answers.get, tmp_path, MAX_AGE) for p in (api, relay, processor)
    )
    report = render([not_ready, no_heartbeat, no_metrics])

    assert (not_ready.healthy, not_ready.health) == (False, "not ready")
    assert not no_heartbeat.healthy
    assert no_heartbeat.health.startswith("no heartbeat")
    assert not no_metrics.healthy
    assert no_metrics.samples is None
    assert [line.split()[0] for line in report.splitlines()[1:4]] == ["!!"] * 3
    assert report.splitlines()[3].endswith("not answering")
    assert "(none reported)" in report  # no projection lag: the processor's port was silent


def test_gauges_of_several_workers_add_up_as_in_prometheus(tmp_path: Path) -> None:
    one = ProcessStatus(process("a", "process", "reporting", 1), True, "", parse(PROCESSOR_METRICS))
    two = ProcessStatus(process("b", "process", "reporting", 2), True, "", parse(PROCESSOR_METRICS))

    lines = [line.split() for line in render([one, two]).splitlines()]

    assert ["indicators", "lmis.registry.events", "6"] in lines
    assert ["lmis.registry.events", "invalid_payload", "4"] in lines


def test_lmis_status_exits_1_when_nothing_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LMIS_EMBEDDED_METRICS_BASE", str(free_port()))
    monkeypatch.setenv("LMIS_MODE", "embedded")
    for name in SERVICES:
        monkeypatch.setenv(f"LMIS_{name.upper()}_PORT", str(free_port()))

    result = CliRunner().invoke(app, ["status", "--data-dir", str(tmp_path)])

    assert result.exit_code == 1, result.output
    assert result.output.count("not answering") >= len(platform_processes())
    assert run_status(tmp_path, lambda url: None)[1] is False
