"""`lmis up`: the whole platform on one machine, in the foreground, stopped by Ctrl-C.

Order matters and is kept here: the embedded PostgreSQL and broker first (owned by this
process), then migrations, then every service, relay and processor as separate processes under the
supervisor (`supervisor.py`: a process that dies is restarted with back-off while the others
keep serving; Ctrl-C stops them all, process groups included), then the demo data through
the public API once every service answers /readyz. The servers are stopped
last, after every client is gone. Which processes, and the metrics port each gets, come from
`processes.py`, which `lmis status` reads too.

A second `lmis up` keeps PostgreSQL's data. The broker keeps messages in memory only, so it
starts as a new cluster; the relays see the new cluster id and republish from the event stores,
and the projections skip what they have already applied.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from pathlib import Path

import httpx
from rich.console import Console

from lmis_cli.embedded import EmbeddedBroker, EmbeddedPostgres
from lmis_cli.processes import PlatformProcess, platform_processes
from lmis_cli.supervisor import Program, Supervisor

console = Console(stderr=True)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        # as servers do: a port whose last connections linger in TIME_WAIT is still free
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Launcher:
    def __init__(
        self,
        data_dir: Path,
        *,
        load_demo: bool = True,
        signin: str = "province_officer:12",
    ) -> None:
        self.data_dir = data_dir
        self.load_demo = load_demo
        self.signin = signin
        """`ROLE:UNIT` of the one-time dashboard sign-in link printed once ready."""
        self.logs = data_dir / "logs"
        self.pg = EmbeddedPostgres(
            data_dir / "postgres", int(os.environ.get("LMIS_EMBEDDED_PG_PORT", "5433"))
        )
        self.broker = EmbeddedBroker(
            int(os.environ.get("LMIS_EMBEDDED_KAFKA_PORT", "9092")), self.logs / "broker.log"
        )
        self.processes = platform_processes()

    def run(self) -> int:
        self.logs.mkdir(parents=True, exist_ok=True)
        busy = [p for p in (self.pg.port, self.broker.port, *self._ports()) if not _port_free(p)]
        if busy:
            console.print(f"[red]Ports already in use: {busy}. Is another `lmis up` running?[/]")
            return 1
        try:
            with console.status("Starting PostgreSQL…"):
                self.pg.start()
            with console.status("Starting the Kafka-protocol broker…"):
                self.broker.start()
            env = self._environment()
            with console.status("Migrating schemas…"):
                self._lmis(env, "migrate")
            return self._supervise(env)
        finally:
            with console.status("Stopping the broker and PostgreSQL…"):
                self.broker.stop()
                self.pg.stop()
            console.print("Stopped.")

    def _ports(self) -> list[int]:
        """The APIs' ports and every process's metrics port."""
        apis = [p.api_port for p in self.processes if p.api_port is not None]
        return [*apis, *(p.metrics_port for p in self.processes)]

    def _api_ports(self) -> dict[str, int]:
        return {p.service: p.api_port for p in self.processes if p.api_port is not None}

    def _environment(self) -> dict[str, str]:
        from lmis_shared.auth import ensure_local_keypair

        _, public = ensure_local_keypair(self.data_dir / "keys")
        return os.environ | {
            "LMIS_MODE": "embedded",
            "LMIS_DATA_DIR": str(self.data_dir),
            "LMIS_DATABASE_URL": self.pg.dsn,
            "LMIS_KAFKA_BOOTSTRAP": self.broker.bootstrap,
            "LMIS_JWT_PUBLIC_KEY_FILE": str(public),
            # alerts that fall due show up within seconds on a demo, not a minute
            "LMIS_NOTIFY_SWEEP_INTERVAL_SECONDS": os.environ.get(
                "LMIS_NOTIFY_SWEEP_INTERVAL_SECONDS", "5"
            ),
            # the local copy of the population register (the demo adds its citizens to it)
            "LMIS_REGISTRY_POPULATION_REGISTER": os.environ.get(
                "LMIS_REGISTRY_POPULATION_REGISTER", "local"
            ),
        }

    def _lmis(self, env: dict[str, str], *args: str) -> None:
        import subprocess

        subprocess.run([sys.executable, "-m", "lmis_cli", *args], env=env, check=True)

    def _supervise(self, env: dict[str, str]) -> int:
        programs = [
            Program(
                process.name,
                (sys.executable, "-m", "lmis_cli", *process.command),
                env | {"LMIS_METRICS_PORT": str(process.metrics_port)},
                self.logs / f"{process.name}.log",
            )
            for process in self.processes
        ]
        threading.Thread(target=self._when_ready, args=(env,), daemon=True).start()
        return Supervisor(programs, self.data_dir, _say).run()

    def _when_ready(self, env: dict[str, str]) -> None:
        ports = self._api_ports()
        deadline = time.monotonic() + 120
        pending = dict(ports)
        while pending and time.monotonic() < deadline:
            for name, port in list(pending.items()):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                        del pending[name]
                except httpx.HTTPError:
                    pass
            time.sleep(0.5)
        if pending:
            console.print(f"[red]Not ready after 120 s: {', '.join(pending)} (see {self.logs})[/]")
            return
        if self.load_demo:
            try:
                self._lmis(env, "demo", "load")
            except Exception as exc:  # the platform stays up; the user sees why demo failed
                console.print(f"[yellow]Demo data not loaded: {exc}[/]")
        self._print_urls(ports, self.processes)

    def _dashboard_lines(self, port: int) -> list[str]:
        from lmis_cli.signin import dashboard_signin_link
        from lmis_shared.settings import CommonSettings

        role, _, scope = self.signin.partition(":")
        common = CommonSettings(mode="embedded", data_dir=self.data_dir)
        link = dashboard_signin_link(role, scope, common=common)
        return [
            f"  dashboard  http://127.0.0.1:{port}/",
            f"  sign in    {link}",
            f"             (once, as {role} of {scope}; another: lmis signin-link --role ... "
            "--scope ...)",
        ]

    def _print_urls(self, ports: dict[str, int], processes: list[PlatformProcess]) -> None:
        lmis = Path(sys.executable).parent / "lmis"
        console.rule("LMIS is running — Ctrl-C stops everything")
        lines = [f"  {name:<10} http://127.0.0.1:{port}/docs" for name, port in ports.items()]
        lines += self._dashboard_lines(ports["reporting"])
        lines += [
            f"  indicator  http://127.0.0.1:{ports['reporting']}/v1/indicators/workers_registered"
            "?period=YYYY-MM&unit=12",
            f"  units      http://127.0.0.1:{ports['reporting']}/v1/units?parent=12",
            f"  token      {lmis} token --role province_officer --scope 12",
            f"  status     {lmis} status",
            f"  data       {self.data_dir}",
            f"  logs       {self.logs}",
            "  metrics (Prometheus text, one port per process):",
        ]
        lines += [f"    {p.name:<20} {p.metrics_url}" for p in processes]
        for line in lines:
            console.print(line, soft_wrap=True, highlight=False)


def _say(line: str) -> None:
    console.print(f"[yellow]{line}[/]", highlight=False)
