"""`EXPORTED_METRICS` cannot lie: real processes, run as `lmis up` runs them, export every name
in it, and no `lmis_*` family that is not in it.

A registry API, the registry relay, and the reporting and notify processors run as processes
of their own (`python -m lmis_cli serve|relay|process <service>`) on the session's PostgreSQL
and broker, each with its own metrics port, in schemas and topics of this test. The API gets a
request, the reporting processor a malformed record, notify's sweep ticks twice a second. Their
metrics ports are scraped as Prometheus would, and one of them read by `lmis status`'s probe.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

import asyncpg
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from lmis_cli.embedded import free_port
from lmis_cli.processes import PlatformProcess
from lmis_cli.status import http_fetch, probe
from lmis_shared.auth import ensure_local_keypair
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.metrics import EXPORTED_METRICS
from tests.conftest import unique
from tests.integration.processors import create_topic, eventually, publish

pytestmark = pytest.mark.integration


def families(text: str) -> set[str]:
    """The Prometheus names of the metric families in a scrape, as rules and dashboards name
    them: a counter's with `_total` (the parser drops it), a histogram's without `_bucket`."""
    return {
        f"{family.name}_total" if family.type == "counter" else family.name
        for family in text_string_to_metric_families(text)
    }


@pytest.fixture
def schemas() -> dict[str, str]:
    return {service: unique(f"m_{service}") for service in ("registry", "reporting", "notify")}


@pytest.fixture
async def dropped_after(pg_pool: asyncpg.Pool, schemas: dict[str, str]) -> AsyncIterator[None]:
    yield
    for schema in schemas.values():
        await pg_pool.execute(f"drop schema if exists {schema} cascade")


async def test_every_exported_metric_is_exported_by_a_real_process(
    pg_pool: asyncpg.Pool, database_url: str, kafka_bootstrap: str, fresh_topic: str,
    schemas: dict[str, str], dropped_after: None, tmp_path: Path,
) -> None:  # fmt: skip
    _, public = ensure_local_keypair(tmp_path / "keys")
    await PostgresEventStore.migrate(pg_pool, schemas["registry"])
    topic = f"{fresh_topic}.registry.events"
    create_topic(kafka_bootstrap, topic, 1)
    key, value, headers = b"not-a-stream", b"{not json", [("ce_type", b"x")]
    await asyncio.to_thread(publish, kafka_bootstrap, topic, [(key, value, headers)])
    api_port = free_port()
    env = os.environ | {
        "LMIS_MODE": "embedded",
        "LMIS_DATA_DIR": str(tmp_path),
        "LMIS_DATABASE_URL": database_url,
        "LMIS_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "LMIS_TOPIC_PREFIX": fresh_topic,
        "LMIS_OTEL_EXPORTER": "none",
        "LMIS_JWT_PUBLIC_KEY_FILE": str(public),
        "LMIS_METRICS_INTERVAL": "0.2",
        "LMIS_REGISTRY_PORT": str(api_port),
        "LMIS_REGISTRY_SCHEMA_NAME": schemas["registry"],
        "LMIS_REPORTING_SCHEMA_NAME": schemas["reporting"],
        "LMIS_REPORTING_PROCESSOR_ID": unique("lmis-reporting-test"),
        "LMIS_REPORTING_PROCESSOR_SOURCES": '["registry"]',
        "LMIS_NOTIFY_SCHEMA_NAME": schemas["notify"],
        "LMIS_NOTIFY_PROCESSOR_ID": unique("lmis-notify-test"),
        "LMIS_NOTIFY_SOURCES": '["registry"]',
        "LMIS_NOTIFY_SWEEP_INTERVAL_SECONDS": "0.5",
    }
    commands = {
        "registry": ("serve", "registry"),
        "registry-relay": ("relay", "registry"),
        "reporting-processor": ("process", "reporting"),
        "notify-processor": ("process", "notify"),
    }
    ports = {name: free_port() for name in commands}
    log = tmp_path / "processes.log"
    started: list[subprocess.Popen[bytes]] = []
    try:
        with log.open("ab") as out:
            for name, command in commands.items():
                metrics_env = env | {"LMIS_METRICS_PORT": str(ports[name])}
                started.append(_spawn(command, metrics_env, out))
        exported: dict[str, set[str]] = {}

        async def all_exported() -> bool | None:
            for process in started:
                assert process.poll() is None, log.read_text()[-3000:]
            await asyncio.to_thread(_request_the_api, api_port)
            for name, port in ports.items():
                answer = await asyncio.to_thread(http_fetch, f"http://127.0.0.1:{port}/metrics")
                if answer is not None:
                    exported[name] = families(answer[1])
            return True if found() >= EXPORTED_METRICS else None

        def found() -> set[str]:
            return set().union(*exported.values()) if exported else set()

        try:
            await eventually(all_exported, "every metric of EXPORTED_METRICS", within=90)
        except pytest.fail.Exception:
            pytest.fail(f"not exported: {sorted(EXPORTED_METRICS - found())}; {exported}")
        relay = PlatformProcess("registry-relay", "relay", "registry", ports["registry-relay"])
        relay_status = await asyncio.to_thread(probe, relay, http_fetch, tmp_path, 120.0)
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    ours = {name for names in exported.values() for name in names if name.startswith("lmis_")}
    assert ours <= EXPORTED_METRICS  # nothing exported that the constant does not name
    assert "http_server_request_duration_seconds" in exported["registry"]
    assert "http_server_duration_milliseconds" not in exported["registry"]  # the old convention
    assert {"lmis_relay_lag_events", "lmis_relay_published_events_total"} <= exported[
        "registry-relay"
    ]
    assert "lmis_dead_letters_total" in exported["reporting-processor"]
    assert {"lmis_alerts_open", "lmis_sweep_duration_seconds"} <= exported["notify-processor"]
    assert relay_status.healthy, relay_status.health
    assert relay_status.samples is not None
    assert relay_status.samples["lmis_relay_lag_events"]


def _spawn(command: tuple[str, str], env: dict[str, str], out: BinaryIO) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "lmis_cli", *command], env=env, stdout=out, stderr=subprocess.STDOUT
    )


def _request_the_api(port: int) -> None:
    """One request the HTTP instrumentation records (`/docs` needs no token)."""
    with contextlib.suppress(httpx.HTTPError):  # not listening yet
        httpx.get(f"http://127.0.0.1:{port}/docs", timeout=2)
