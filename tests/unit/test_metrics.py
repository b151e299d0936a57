"""Metrics reach Prometheus under the names operators alert on, on the process's metrics port."""

from __future__ import annotations

import os
import urllib.request

import pytest
from prometheus_client import generate_latest

from lmis_cli.embedded import free_port
from lmis_shared.metrics import meter, setup_metrics
from lmis_shared.processing.metrics import Progress
from lmis_shared.settings import CommonSettings
from lmis_shared.web.app import SEMCONV_OPT_IN, stable_http_semconv


def exposition() -> list[str]:
    return [line for line in generate_latest().decode().splitlines() if line.startswith("lmis_")]


def test_instruments_become_the_prometheus_names_of_the_runbook() -> None:
    instruments = meter("tests.metrics")
    dead_letters = instruments.create_counter("lmis.test.dead_letters", unit="{record}")
    lag = instruments.create_gauge("lmis.test.relay_lag_events", unit="{event}")
    duration = instruments.create_histogram("lmis.test.sweep.duration", unit="s")
    setup_metrics("test", CommonSettings(otel_exporter="none"))

    dead_letters.add(2, {"topic": "lmis.registry.events"})
    lag.set(7, {"service": "registry"})
    duration.record(0.25)

    lines = exposition()
    assert any(
        line.startswith("lmis_test_dead_letters_total{") and 'topic="lmis.registry.events"' in line
        for line in lines
    )
    assert any(
        line.startswith("lmis_test_relay_lag_events{") and line.endswith(" 7.0") for line in lines
    )
    assert any(line.startswith("lmis_test_sweep_duration_seconds_count{") for line in lines)


def test_the_metrics_port_serves_them_and_one_provider_serves_the_process() -> None:
    port = free_port()
    first = setup_metrics("test", CommonSettings(otel_exporter="none", metrics_port=port))
    again = setup_metrics("test", CommonSettings(otel_exporter="none", metrics_port=port))
    meter("tests.metrics").create_counter("lmis.test.served").add(1)

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        body = response.read().decode()

    assert first is again
    assert "lmis_test_served_total" in body


def test_the_http_instrumentation_is_opted_in_to_the_stable_conventions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SEMCONV_OPT_IN, raising=False)
    stable_http_semconv()
    assert os.environ[SEMCONV_OPT_IN] == "http"

    monkeypatch.setenv(SEMCONV_OPT_IN, "database")
    stable_http_semconv()
    assert os.environ[SEMCONV_OPT_IN] == "database,http"

    monkeypatch.setenv(SEMCONV_OPT_IN, "http/dup")  # an operator's choice: old and new
    stable_http_semconv()
    assert os.environ[SEMCONV_OPT_IN] == "http/dup"


def test_the_next_offset_to_apply_is_the_first_received_until_acknowledged() -> None:
    progress = Progress()
    assert progress.next_offset(0) is None

    progress.received(0, 40)
    progress.received(0, 41)
    assert progress.next_offset(0) == 40  # 40 waits (the database away): it is still lag

    progress.acknowledged(0, 40)
    progress.acknowledged(0, 41)
    progress.received(0, 12)  # a redelivery after a rebalance changes nothing
    assert progress.next_offset(0) == 42
    assert progress.next_offset(1) is None
