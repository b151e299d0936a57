"""Production mode starts with exactly the environment the manifests give each process.

The production overlay is rendered; each process gets its container's environment (its own
variables and the ConfigMap's), with only addresses changed (the database DSN points at a
fresh database on the test's real PostgreSQL, the broker at the test's real broker, the
collector and the API's listening address at free local ports) and every Secret it
references filled by the test, plus what the image itself sets (`LMIS_DATA_DIR`). Then
`lmis migrate` runs to completion and every `lmis serve <service>` becomes ready (/readyz:
database and broker); an API lacking a secret it reads refuses to start.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from lmis_cli.embedded import free_port
from lmis_cli.services import SERVICES
from tests.integration.test_deploy_manifests import (
    Resource,
    _lmis_workloads,
    _of_kind,
    _only_container,
    _render,
)
from tests.integration.test_deploy_requirements import PROCESSES

OVERLAY = "production"
DATABASE_SECRET = "lmis-db-app/uri"  # the DSN CloudNativePG writes: an address, not a secret


def _manifest_environment(workload: Resource, rendered: tuple[Resource, ...]) -> dict[str, str]:
    """The container's variables as Kubernetes sets them; a Secret's key reads `secret:NAME/KEY`."""
    container = _only_container(workload)
    config_maps = {c["metadata"]["name"]: c["data"] for c in _of_kind(rendered, "ConfigMap")}
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env |= config_maps[source["configMapRef"]["name"]]
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = str(variable["value"])
        else:
            ref = variable["valueFrom"]["secretKeyRef"]
            env[variable["name"]] = f"secret:{ref['name']}/{ref['key']}"
    return env


class Deployment:
    """The production overlay's processes pointed at the test's servers."""

    def __init__(self, database_url: str, kafka_bootstrap: str, data_dir: Path) -> None:
        self.rendered = _render(OVERLAY)
        self.workloads = _lmis_workloads(self.rendered)
        self.secrets = {DATABASE_SECRET: database_url}  # the rest: made up on first use
        self.addresses = {
            "LMIS_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{free_port()}",  # nobody listens
        }
        self.data_dir = data_dir
        self.ports = {name: free_port() for name in SERVICES}
        # the pods' metrics port is one per pod (9464); here the processes share one host
        self.metrics_ports = {name: free_port() for name in self.workloads}

    def environment(self, process: str) -> dict[str, str]:
        env = _manifest_environment(self.workloads[process], self.rendered)
        addresses = dict(self.addresses)
        addresses |= {
            "LMIS_METRICS_HOST": "127.0.0.1",
            "LMIS_METRICS_PORT": str(self.metrics_ports[process]),
        }
        if process in SERVICES:
            prefix = f"LMIS_{process.upper()}_"
            addresses |= {f"{prefix}HOST": "127.0.0.1", f"{prefix}PORT": str(self.ports[process])}
        assert set(addresses) <= set(env), "only addresses the manifest sets are changed"
        env |= addresses
        for name, value in env.items():
            if value.startswith("secret:"):
                ref = value.removeprefix("secret:")
                env[name] = self.secrets.setdefault(ref, secrets.token_urlsafe(48))
        assert env["LMIS_MODE"] == "production"
        # what the image sets (Dockerfile), and what any process needs to find its interpreter
        return env | {"LMIS_DATA_DIR": str(self.data_dir), "PATH": os.environ["PATH"]}

    def start(self, process: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        args = _only_container(self.workloads[process])["args"]
        log = open(self.data_dir / f"{process}.log", "wb")  # noqa: SIM115 - the child holds it
        with log:
            return subprocess.Popen(
                [sys.executable, "-m", "lmis_cli", *args],
                env=env,
                cwd=self.data_dir,  # the image's WORKDIR
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log(self, process: str) -> str:
        return (self.data_dir / f"{process}.log").read_text(errors="replace")[-3000:]


async def _admin(database_url: str, statement: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def production_database(database_url: str) -> Iterator[str]:
    """A database of its own on the test PostgreSQL: `lmis migrate` creates the services'
    schemas under their production names, which no other test may see."""
    name = f"production_{secrets.token_hex(4)}"
    asyncio.run(_admin(database_url, f'create database "{name}"'))
    yield urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))
    asyncio.run(_admin(database_url, f'drop database "{name}" with (force)'))


@pytest.fixture
def deployment(production_database: str, kafka_bootstrap: str, tmp_path: Path) -> Deployment:
    return Deployment(production_database, kafka_bootstrap, tmp_path)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def test_migrate_then_every_api_becomes_ready_with_only_what_the_manifest_gives_it(
    deployment: Deployment,
) -> None:
    migrate = deployment.start("migrate", deployment.environment("migrate"))
    assert migrate.wait(120) == 0, deployment.log("migrate")

    apis = {name: deployment.start(name, deployment.environment(name)) for name in SERVICES}
    try:
        waiting = set(apis)
        deadline = time.monotonic() + 120  # a bound on the wait, not an assertion on speed
        while waiting and time.monotonic() < deadline:
            for name in sorted(waiting):
                assert apis[name].poll() is None, f"{name} exited:\n{deployment.log(name)}"
                if _ready(deployment.ports[name]):
                    waiting.discard(name)
            time.sleep(0.3)
        assert waiting == set(), {name: deployment.log(name) for name in waiting}
        for name in apis:  # and serves its metrics where the manifest's variables say
            metrics = f"http://127.0.0.1:{deployment.metrics_ports[name]}/metrics"
            assert httpx.get(metrics, timeout=3).status_code == 200, name
    finally:
        for proc in apis.values():
            _stop(proc)


def _secrets_required(process: str) -> list[tuple[str, ...]]:
    """The secrets (other than the DSN, an address here) `process` requires, as derived."""
    secret = PROCESSES[process].secret_variables() - {"LMIS_DATABASE_URL"}
    return [r for r in PROCESSES[process].requirements() if set(r) <= secret]


@pytest.mark.parametrize("process", [name for name in SERVICES if _secrets_required(name)])
def test_an_api_refuses_to_start_without_a_secret_it_requires(
    deployment: Deployment, process: str
) -> None:
    env = deployment.environment(process)
    for requirement in _secrets_required(process):
        proc = deployment.start(process, {k: v for k, v in env.items() if k not in requirement})
        try:
            assert proc.wait(60) != 0
        finally:
            _stop(proc)
        assert requirement[0] in deployment.log(process)  # it says what is missing
