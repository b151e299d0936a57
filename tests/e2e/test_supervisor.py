"""`lmis up` keeps the platform running when one of its processes is killed: the API, the
relay and the processor of the registration flow each get SIGKILL while registrations keep
coming; each is restarted, and the indicator ends equal to a straight count of the
registrations in the event store (nothing lost, nothing counted twice). On free ports, so it
runs beside any other `lmis up`."""

from __future__ import annotations

import json
import os
import random
import signal
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest

from lmis_cli.embedded import free_port
from lmis_cli.launcher import _port_free
from lmis_cli.processes import platform_processes
from lmis_registry.application.import_rows import STREAM_TYPE
from tests.e2e.test_platform import SERVICES, Platform, indicator, worker_body
from tests.polling import eventually

pytestmark = pytest.mark.e2e

KILLED = ("registry-relay", "reporting-processor", "registry")
PER_ROUND = 6


@pytest.fixture
def supervised(tmp_path: Path) -> Platform:
    ports = {name: free_port() for name in SERVICES}
    env = os.environ | {
        "LMIS_DATA_DIR": str(tmp_path / "lmis"),
        "LMIS_EMBEDDED_PG_PORT": str(free_port()),
        "LMIS_EMBEDDED_KAFKA_PORT": str(free_port()),
        "LMIS_EMBEDDED_METRICS_BASE": str(free_block(len(platform_processes()))),
        **{f"LMIS_{name.upper()}_PORT": str(port) for name, port in ports.items()},
    }
    (tmp_path / "lmis").mkdir()
    return Platform(tmp_path / "lmis", env, ports)


def free_block(size: int) -> int:
    """The first of `size` consecutive free ports below the ephemeral range (and above
    `FREE_PORTS`, where `free_port` draws from), for the metrics ports `lmis up` numbers
    from a base."""
    for base in random.sample(range(20_000, 32_000, size), 200):
        if all(_port_free(port) for port in range(base, base + size)):
            return base
    pytest.fail("no block of free ports for the metrics")


def supervised_state(platform: Platform) -> dict[str, dict[str, int | None]]:
    path = platform.data_dir / "supervisor.json"
    return json.loads(path.read_text()) if path.exists() else {}


def registered_in_store(platform: Platform) -> int:
    import asyncio

    async def count() -> int:
        dsn = f"postgresql://postgres@127.0.0.1:{platform.env['LMIS_EMBEDDED_PG_PORT']}/lmis"
        connection = await asyncpg.connect(dsn)
        try:
            found = await connection.fetchval(
                "select count(*) from registry.events where version = 1 and stream_type = $1",
                STREAM_TYPE,
            )
            return int(found)
        finally:
            await connection.close()

    return asyncio.run(count())


def test_each_kind_of_process_killed_is_restarted_and_nothing_is_lost(
    supervised: Platform,
) -> None:
    platform = supervised
    platform.start()
    try:
        token = platform.token()
        auth = {"Authorization": f"Bearer {token}"}
        citizen = 12198100000

        def register() -> None:
            """One registration, retried through an API restart (a 409 after a lost answer
            means the first try was saved)."""
            nonlocal citizen
            citizen += 1
            body = worker_body() | {"citizen_id": f"0{citizen}"}

            def posted() -> bool | None:
                try:
                    answer = httpx.post(
                        f"{platform.url('registry')}/v1/workers", json=body, headers=auth
                    )
                except httpx.HTTPError:
                    return None
                return True if answer.status_code in (201, 409) else None

            eventually(posted, "a registration accepted", timeout=120)

        for name in KILLED:
            for _ in range(PER_ROUND):
                register()
            pid = supervised_state(platform)[name]["pid"]
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            for _ in range(PER_ROUND):
                register()
            eventually(
                lambda name=name: supervised_state(platform)[name]["restarts"] or None,
                f"{name} restarted",
                timeout=120,
            )
        for name in SERVICES:
            eventually(lambda name=name: platform._ready(name), f"{name} ready again", 120)

        expected = 2 * PER_ROUND * len(KILLED)
        assert registered_in_store(platform) == expected
        eventually(
            lambda: indicator(platform, token, "12") == expected or None,
            "the indicator to count every registration",
            timeout=180,
        )
        state = supervised_state(platform)
        assert all(state[name]["restarts"] == 1 for name in KILLED), state
        assert all(s["restarts"] == 0 for n, s in state.items() if n not in KILLED), state
        log = (platform.data_dir / "up.log").read_text()
        assert all(f"{name} exited (killed by SIGKILL)" in log for name in KILLED), log[-3000:]

        children = platform.descendants()
        assert platform.stop() == 0
        _, alive = psutil.wait_procs(children, timeout=30)
        assert alive == [], f"stray processes after Ctrl-C: {[p.pid for p in alive]}"
    finally:
        if platform.proc is not None and platform.proc.poll() is None:
            for child in platform.descendants():
                child.kill()
            platform.proc.kill()
            platform.proc.wait()
        if platform.log is not None:
            platform.log.close()
