"""The whole platform as a user runs it: `lmis up`, a command over HTTP, the indicator moving.

Starts `lmis up` (embedded PostgreSQL and broker, four services, relays, processors) in its own
data directory on free ports, drives it through HTTP only, and stops it with Ctrl-C (SIGINT),
as a person would. Then starts it a second time on the same data directory.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx
import psutil
import pytest

from lmis_cli.embedded import free_port
from tests.polling import eventually
from tests.unit.worker_examples import PERSON

pytestmark = pytest.mark.e2e

SERVICES = ("registry", "permits", "reporting", "notify")
T = TypeVar("T")


@dataclass
class Platform:
    data_dir: Path
    env: dict[str, str]
    ports: dict[str, int]
    proc: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None

    def start(self) -> None:
        if self.log is None:
            self.log = open(self.data_dir / "up.log", "ab")  # noqa: SIM115 - closed by the fixture
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lmis_cli", "up", "--no-demo"],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        for name in SERVICES:
            eventually(lambda name=name: self._ready(name), f"{name} to be ready", timeout=120)

    def _ready(self, name: str) -> bool | None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            pytest.fail(f"lmis up exited early:\n{(self.data_dir / 'up.log').read_text()[-3000:]}")
        try:
            response = httpx.get(f"{self.url(name)}/readyz", timeout=2)
        except httpx.HTTPError:
            return None
        return True if response.status_code == 200 else None

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def token(self, role: str = "admin", scope: str = "12") -> str:
        out = subprocess.run(
            [sys.executable, "-m", "lmis_cli", "token", "--role", role, "--scope", scope],
            env=self.env,
            check=True,
            capture_output=True,
        )
        return out.stdout.decode().strip()

    def descendants(self) -> list[psutil.Process]:
        assert self.proc is not None
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(60)

    def spans(self, service: str) -> list[dict[str, Any]]:
        path = self.data_dir / "traces" / f"{service}.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    ports = {name: free_port() for name in SERVICES}
    env = os.environ | {
        "LMIS_DATA_DIR": str(tmp_path / "lmis"),
        "LMIS_EMBEDDED_PG_PORT": str(free_port()),
        "LMIS_EMBEDDED_KAFKA_PORT": str(free_port()),
        **{f"LMIS_{name.upper()}_PORT": str(port) for name, port in ports.items()},
    }
    (tmp_path / "lmis").mkdir()
    running = Platform(tmp_path / "lmis", env, ports)
    yield running
    if running.proc is not None and running.proc.poll() is None:
        for child in running.descendants():
            child.kill()
        running.proc.kill()
        running.proc.wait()
    if running.log is not None:
        running.log.close()


def worker_body(commune: str = "03637") -> dict[str, Any]:
    """Registered today (no date given), so that this month's indicator counts it."""
    return PERSON | {"commune_code": commune}


def indicator(platform: Platform, token: str, unit: str) -> int:
    period = date.today().strftime("%Y-%m")
    response = httpx.get(
        f"{platform.url('reporting')}/v1/indicators/workers_registered",
        params={"period": period, "unit": unit},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return int(response.json()["value"])


def test_a_registration_moves_the_indicator_in_one_trace_and_ctrl_c_stops_everything(
    platform: Platform,
) -> None:
    platform.start()
    token = platform.token()
    auth = {"Authorization": f"Bearer {token}"}
    assert indicator(platform, token, "12") == 0

    created = httpx.post(f"{platform.url('registry')}/v1/workers", json=worker_body(), headers=auth)
    assert created.status_code == 201, created.text
    worker_id = created.json()["id"]
    fetched = httpx.get(f"{platform.url('registry')}/v1/workers/{worker_id}", headers=auth)
    assert fetched.json()["status"] == "registered"

    eventually(lambda: indicator(platform, token, "12") == 1 or None, "the province count to move")
    assert indicator(platform, token, "03637") == 1
    assert indicator(platform, token, "03640") == 0

    def processed_traces() -> list[str]:
        return [
            s["trace_id"]
            for s in platform.spans("reporting")
            if s["name"].startswith("process lmis.registry.worker.registered")
        ]

    def shared_trace() -> str | None:
        http = {
            s["trace_id"]
            for s in platform.spans("registry")
            if s["name"].startswith("POST /v1/workers")
        }
        common = http & set(processed_traces())
        return next(iter(common)) if common else None

    trace_id = eventually(shared_trace, "the HTTP span and the processor span to share a trace id")

    def published_in_trace() -> bool | None:
        return (
            any(
                s["trace_id"] == trace_id and s["name"].startswith("relay.publish")
                for s in platform.spans("registry-relay")
            )
            or None
        )

    eventually(published_in_trace, "the relay's publish span in the same trace")
    appends = [s for s in platform.spans("registry") if s["name"] == "eventstore.append"]
    assert trace_id in {s["trace_id"] for s in appends}, "the append is in the command's trace"

    children = platform.descendants()
    assert children, "lmis up should run its servers and services as child processes"
    assert platform.stop() == 0
    _, alive = psutil.wait_procs(children, timeout=30)
    assert alive == [], f"stray processes after Ctrl-C: {[p.pid for p in alive]}"

    # A second start keeps the event store; the new (empty) broker gets every event again, and
    # the projection must not count the first registration twice.
    platform.start()
    again = httpx.get(f"{platform.url('registry')}/v1/workers/{worker_id}", headers=auth)
    assert again.status_code == 200
    second = httpx.post(
        f"{platform.url('registry')}/v1/workers",
        json=worker_body() | {"citizen_id": "012198005678"},
        headers=auth,
    )
    assert second.status_code == 201, second.text
    eventually(lambda: processed_traces().count(trace_id) >= 2 or None, "the republished event")
    eventually(lambda: indicator(platform, token, "12") == 2 or None, "the second registration")
    assert indicator(platform, token, "12") == 2
    assert platform.stop() == 0
