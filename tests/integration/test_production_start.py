"""Production mode end to end, with exactly the environment the manifests give each process.

The production overlay is rendered; each process gets its container's environment (its own
variables and the ConfigMap's) with only addresses changed, pointing at the test's servers as
if they were external: the database DSN at a database of the test's real PostgreSQL laid out
as production's (owner `lmis`, one role per service: `database_roles.py`) with the user the
manifest names kept, the broker at the test's real broker, the identity provider's JWKS URL at
a local endpoint serving the test's key, the collector at a port nobody listens on, and every
listening port at a free one. Every Secret a container references is filled by the test (the
roles' passwords, the lookup keys, ...), plus what the image itself sets (`LMIS_DATA_DIR`).

Then, as a release does: the topics of the KafkaTopic resources are created, `lmis migrate`
runs as the owner, every pod's init container finds its schema migrated, every API, relay and
processor starts as its service's role, a worker registered over HTTP with a token of the
identity provider moves the reporting indicator, and everything stops cleanly. An API
lacking a secret it reads refuses to start, naming it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import jwt
import pytest
from kafka.admin import KafkaAdminClient, NewTopic

from lmis_cli.embedded import free_port
from lmis_cli.services import SERVICES
from lmis_shared.auth import ensure_local_keypair
from lmis_shared.auth.keys import _load_private_key
from tests.integration.database_roles import (
    OWNER,
    SERVICE_ROLES,
    create_database_with_roles,
    drop_database,
)
from tests.integration.test_deploy_manifests import (
    Resource,
    _lmis_workloads,
    _of_kind,
    _only_container,
    _render,
)
from tests.integration.test_deploy_requirements import PROCESSES
from tests.jwks import serving_jwks
from tests.polling import eventually
from tests.unit.worker_examples import PERSON

OVERLAY = "production"
OWNER_SECRET = "lmis-db-app/password"  # CloudNativePG writes the owner's password there
# The embedded broker (Tansu) has no users, so the SASL login the manifests give relays and
# processors (SCRAM, one Strimzi KafkaUser each) cannot be tried here: only this variable is
# overridden, to the plaintext listener; the user and password stay as the manifest gives them.
NO_BROKER_USERS = {"LMIS_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT"}
WAIT = 60.0  # a bound on each wait, not an assertion on speed


@dataclass(frozen=True)
class Servers:
    """The test's servers, standing in for production's external ones."""

    database_url: str  # the server's address (the test's superuser: it made the database)
    database: str
    passwords: dict[str, str]  # by role
    kafka_bootstrap: str
    jwks_url: str


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


def _role_secrets(rendered: tuple[Resource, ...], passwords: dict[str, str]) -> dict[str, str]:
    """`NAME/password` of each role's Secret (the Cluster's managed roles) -> its password."""
    [cluster] = _of_kind(rendered, "Cluster")
    roles = cluster["spec"]["managed"]["roles"]
    by_secret = {f"{r['passwordSecret']['name']}/password": passwords[r["name"]] for r in roles}
    return by_secret | {OWNER_SECRET: passwords[OWNER]}


class Deployment:
    """The production overlay's processes pointed at the test's servers."""

    def __init__(self, servers: Servers, data_dir: Path) -> None:
        self.servers = servers
        self.rendered = _render(OVERLAY)
        self.workloads = _lmis_workloads(self.rendered)
        # the rest (lookup keys, Kafka users' passwords): made up on first use
        self.secrets = _role_secrets(self.rendered, servers.passwords)
        self.data_dir = data_dir
        self.ports: dict[str, dict[str, int]] = {}

    def environment(self, process: str) -> dict[str, str]:
        env = _manifest_environment(self.workloads[process], self.rendered)
        env |= self._addresses(process, env)
        for name, value in env.items():
            if value.startswith("secret:"):
                ref = value.removeprefix("secret:")
                env[name] = self.secrets.setdefault(ref, secrets.token_urlsafe(48))
        assert env["LMIS_MODE"] == "production"
        data_dir = self.data_dir / process  # each pod has a volume of its own there
        data_dir.mkdir(exist_ok=True)
        # what the image sets (Dockerfile), and what any process needs to find its interpreter
        return env | {"LMIS_DATA_DIR": str(data_dir), "PATH": os.environ["PATH"]}

    def _addresses(self, process: str, env: dict[str, str]) -> dict[str, str]:
        """The manifest's addresses, pointed at the test's servers (and free local ports)."""
        database = urlsplit(env["LMIS_DATABASE_URL"])
        server = urlsplit(self.servers.database_url)
        address = server.netloc.rpartition("@")[2]
        changed = {
            # the user the manifest names is kept: the process logs in as its role
            "LMIS_DATABASE_URL": urlunsplit(
                database._replace(
                    netloc=f"{database.username}@{address}", path=f"/{self.servers.database}"
                )
            ),
            "LMIS_KAFKA_BOOTSTRAP": self.servers.kafka_bootstrap,
            "LMIS_JWT_JWKS_URL": self.servers.jwks_url,
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{free_port()}",  # nobody listens
        }
        assert set(changed) <= set(env), "only addresses the manifest sets are changed"
        ports = self.ports.setdefault(process, {})
        for name in env:
            if name.endswith("_PORT"):  # the API's, a metrics port, ...: free ones here
                ports[name] = ports.get(name) or free_port()
                changed[name] = str(ports[name])
            elif name.endswith("_HOST"):
                changed[name] = "127.0.0.1"
        return changed | {k: v for k, v in NO_BROKER_USERS.items() if k in env}

    def start(
        self, process: str, env: dict[str, str], args: list[str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Run the process's container (or other `args`, e.g. its init container's)."""
        args = args or _only_container(self.workloads[process])["args"]
        log = open(self.data_dir / f"{process}.log", "wb")  # noqa: SIM115 - the child holds it
        with log:
            return subprocess.Popen(
                [sys.executable, "-m", "lmis_cli", *args],
                env=env,
                cwd=env["LMIS_DATA_DIR"],  # the image's WORKDIR
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log(self, process: str) -> str:
        return (self.data_dir / f"{process}.log").read_text(errors="replace")[-3000:]

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service][f'LMIS_{service.upper()}_PORT']}"

    def create_topics(self) -> list[str]:
        """The KafkaTopic resources' topics, with one replica (the test has one broker)."""
        wanted = {
            t["spec"]["topicName"]: t["spec"]["partitions"]
            for t in _of_kind(self.rendered, "KafkaTopic")
        }
        admin = KafkaAdminClient(bootstrap_servers=self.servers.kafka_bootstrap)
        try:
            missing = set(wanted) - set(admin.list_topics())
            admin.create_topics([NewTopic(t, wanted[t], 1) for t in sorted(missing)])
        finally:
            admin.close()
        return sorted(wanted)


@pytest.fixture(scope="module")
def idp_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    private, _ = ensure_local_keypair(tmp_path_factory.mktemp("idp"))
    return private


@pytest.fixture(scope="module")
def servers(database_url: str, kafka_bootstrap: str, idp_key: Path) -> Iterator[Servers]:
    name, passwords = asyncio.run(create_database_with_roles(database_url))
    with serving_jwks(idp_key) as jwks_url:
        yield Servers(database_url, name, passwords, kafka_bootstrap, jwks_url)
    asyncio.run(drop_database(database_url, name))


@pytest.fixture
def deployment(servers: Servers, tmp_path: Path) -> Deployment:
    return Deployment(servers, tmp_path)


def _init_container(deployment: Deployment, process: str) -> Resource:
    """The pod's one init container, whose login and settings are its process's
    (test_deploy_serving.py checks that)."""
    [container] = deployment.workloads[process]["spec"]["template"]["spec"]["initContainers"]
    return container


def _stop(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def _serves_metrics(env: dict[str, str]) -> bool:
    try:
        url = f"http://127.0.0.1:{env['LMIS_METRICS_PORT']}/metrics"
        return httpx.get(url, timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def _token(idp_key: Path, env: dict[str, str]) -> str:
    """An admin's token as the identity provider signs it (the key its JWKS serves)."""
    now = datetime.now(UTC)
    claims = {
        "iss": env["LMIS_JWT_ISSUER"],
        "aud": env["LMIS_JWT_AUDIENCE"],
        "sub": "officer-1",
        "role": "admin",
        "scope": "12",
        "iat": now,
        "exp": now + timedelta(minutes=10),
    }
    key = _load_private_key(idp_key)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


def _registered_this_month(deployment: Deployment, token: str) -> int:
    response = httpx.get(
        f"{deployment.url('reporting')}/v1/indicators/workers_registered",
        params={"period": date.today().strftime("%Y-%m"), "unit": "12"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return int(response.json()["value"])


async def _logged_in_users(servers: Servers) -> set[str]:
    conn = await asyncpg.connect(servers.database_url)
    try:
        rows = await conn.fetch(
            "select distinct usename from pg_stat_activity where datname = $1", servers.database
        )
    finally:
        await conn.close()
    return {r["usename"] for r in rows}


def test_a_command_moves_an_indicator_with_only_what_the_manifests_give_each_process(
    deployment: Deployment, idp_key: Path
) -> None:
    deployment.create_topics()
    migrate = deployment.start("migrate", deployment.environment("migrate"))
    assert migrate.wait(WAIT) == 0, deployment.log("migrate")
    for service, role in SERVICE_ROLES.items():  # the owner gave each role its schema
        assert f"granted {service} to {role}" in deployment.log("migrate")

    names = [name for name in deployment.workloads if name != "migrate"]
    envs = {name: deployment.environment(name) for name in names}
    # each pod's init container (`lmis migrate --check`, as its role) now lets it start
    init = {
        name: deployment.start(name, envs[name], _init_container(deployment, name)["args"])
        for name in names
    }
    for name, proc in init.items():
        assert proc.wait(WAIT) == 0, deployment.log(name)
    running = {name: deployment.start(name, envs[name]) for name in names}
    try:

        def apis_ready() -> bool | None:
            for name, proc in running.items():
                assert proc.poll() is None, f"{name} exited:\n{deployment.log(name)}"
            return all(_ready(deployment.url(name)) for name in SERVICES) or None

        eventually(apis_ready, "every API ready", WAIT)
        token = _token(idp_key, envs["registry"])
        before = _registered_this_month(deployment, token)
        created = httpx.post(
            f"{deployment.url('registry')}/v1/workers",
            json=PERSON | {"commune_code": "03637"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201, created.text

        def moved() -> int | None:
            now = _registered_this_month(deployment, token)
            return now if now > before else None

        eventually(moved, "the reporting indicator to count the registration", WAIT)
        # each API serves its metrics where its variables say (relays and processors are
        # given LMIS_METRICS_PORT too but do not serve it yet: add them here when they do)
        serving = {n: _serves_metrics(envs[n]) for n in SERVICES if "LMIS_METRICS_PORT" in envs[n]}
        assert all(serving.values()), serving
        # every process logged in as its service's role, none as the owner
        users = asyncio.run(_logged_in_users(deployment.servers))
        assert users == set(SERVICE_ROLES.values()), users
    finally:
        codes = {name: _stop(proc) for name, proc in running.items()}
    # SIGTERM is a clean stop for every process: it finishes what it was doing and exits
    unclean = {n: c for n, c in codes.items() if c not in (0, -signal.SIGTERM)}
    assert unclean == {}, {n: deployment.log(n) for n in unclean}


def _secrets_required(process: str) -> list[tuple[str, ...]]:
    """The secrets `process` requires, as derived (the database password is optional: the
    DSN may carry one, or the server trust the pod)."""
    secret = PROCESSES[process].secret_variables()
    return [r for r in PROCESSES[process].requirements() if set(r) <= secret]


@pytest.mark.parametrize("process", [name for name in SERVICES if _secrets_required(name)])
def test_an_api_refuses_to_start_without_a_secret_it_requires(
    deployment: Deployment, process: str
) -> None:
    env = deployment.environment(process)
    for requirement in _secrets_required(process):
        proc = deployment.start(process, {k: v for k, v in env.items() if k not in requirement})
        try:
            assert proc.wait(WAIT) != 0
        finally:
            _stop(proc)
        assert requirement[0] in deployment.log(process)  # it says what is missing
