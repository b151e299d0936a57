"""The four APIs served for the fuzzer: each app built as `lmis up` builds it, in a fresh schema
of the test PostgreSQL, listening on a free port of the loopback (never 8001-8004), with a
demo plan loaded through the APIs so that there are objects for the fuzzer's commands to act on.

The servers run in a thread of their own (one event loop, four uvicorn servers), because the
fuzzer's calls are synchronous. Nothing here names a route: the fuzzer reads each service's
OpenAPI document, and the ids it may use are found by the name of a path parameter
(`worker_id` -> the ids of the `worker` streams), so a route added later is fuzzed too.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from lmis_cli.demo import Sizes, generate_plan, load_plan
from lmis_cli.embedded import free_port
from lmis_cli.services import discover
from lmis_shared.clock import FixedClock
from lmis_shared.eventstore.postgres import create_pool
from lmis_shared.migrations import quoted_schema
from tests.integration.apps import bearer, signed_settings
from tests.integration.worker_api import NOW

PROVINCE, COMMUNE = "12", "03637"
ROLES: tuple[tuple[str, str], ...] = (
    ("admin", PROVINCE),
    ("province_officer", PROVINCE),
    ("commune_officer", COMMUNE),
    ("bank", PROVINCE),
)
"""Who the fuzzer calls as: every request is sent once per role."""


@dataclass
class Platform:
    urls: dict[str, str]
    """Base URL of each service's API."""
    ids: dict[str, list[str]]
    """Existing object ids by stream type (`worker`, `loan`, `employer`, ...)."""
    tax_codes: list[str]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    """The Authorization header of each role of `ROLES`."""


@contextmanager
def fuzz_platform(data_dir: Path, database_url: str, schema_prefix: str) -> Iterator[Platform]:
    """The platform, served until the block ends."""
    ready: dict[str, Any] = {}
    started, stop = threading.Event(), threading.Event()

    def serve() -> None:
        try:
            asyncio.run(_serve(data_dir, database_url, schema_prefix, ready, started, stop))
        except BaseException as error:
            ready["error"] = error
            started.set()

    thread = threading.Thread(target=serve, name="fuzz-platform", daemon=True)
    thread.start()
    started.wait(timeout=240)
    if "error" in ready or "platform" not in ready:
        stop.set()
        raise RuntimeError("the platform did not start") from ready.get("error")
    try:
        yield ready["platform"]
    finally:
        stop.set()
        thread.join(timeout=60)


async def _serve(
    data_dir: Path,
    database_url: str,
    schema_prefix: str,
    ready: dict[str, Any],
    started: threading.Event,
    stop: threading.Event,
) -> None:
    common, private = signed_settings(database_url, data_dir)
    clock = FixedClock(NOW)
    pool = await create_pool(database_url)
    servers: dict[str, uvicorn.Server] = {}
    schemas: dict[str, str] = {}
    tasks = []
    try:
        for name, declaration in sorted(discover().items(), key=lambda kv: kv[1].order):
            schemas[name] = f"{schema_prefix}_{name}"
            await _load(declaration.migrate)(pool, schemas[name])
            settings = _load(declaration.settings)(schema_name=schemas[name])
            app = _load(declaration.app)(common, settings, clock=clock)
            config = uvicorn.Config(
                app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="on"
            )
            servers[name] = uvicorn.Server(config)
            tasks.append(asyncio.create_task(servers[name].serve()))
        while not all(s.started for s in servers.values()):
            if any(t.done() for t in tasks):
                raise RuntimeError("a server stopped while starting")
            await asyncio.sleep(0.05)
        urls = {n: f"http://127.0.0.1:{s.config.port}" for n, s in servers.items()}
        await _seed(urls, bearer(private, "admin", PROVINCE, subject="fuzz-seed"))
        ids = await _stream_ids(pool, schemas)
        tax_codes = await _tax_codes(pool, schemas.get("permits"))
        platform = Platform(urls, ids, tax_codes)
        platform.headers = {role: bearer(private, role, scope) for role, scope in ROLES}
        ready["platform"] = platform
        started.set()
        await asyncio.to_thread(stop.wait)
    finally:
        for server in servers.values():
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        await pool.close()


async def _seed(urls: dict[str, str], auth: dict[str, str]) -> None:
    """A small demo plan, loaded through the registry's and the permits service's APIs."""
    plan = generate_plan(
        int(PROVINCE), Sizes(workers=8, employers=2, foreign_workers=4), 13, NOW.date()
    )
    async with (
        httpx.AsyncClient(base_url=urls["registry"], headers=auth, timeout=30) as registry,
        httpx.AsyncClient(base_url=urls["permits"], headers=auth, timeout=30) as permits,
    ):
        report = await load_plan(plan, {"registry": registry, "permits": permits}, concurrency=2)
    if report.refused:
        raise RuntimeError(f"the demo plan was refused: {dict(report.refused)}")


async def _stream_ids(pool: Any, schemas: dict[str, str]) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {}
    for schema in schemas.values():
        rows = await pool.fetch(
            f"select distinct stream_type, stream_id::text from {quoted_schema(schema)}.events"
            " order by 1, 2"
        )
        for row in rows:
            ids.setdefault(row[0], []).append(row[1])
    return ids


async def _tax_codes(pool: Any, schema: str | None) -> list[str]:
    if schema is None:
        return []
    rows = await pool.fetch(
        f"select distinct data->>'tax_code' from {quoted_schema(schema)}.events"
        " where data ? 'tax_code' order by 1"
    )
    return [r[0] for r in rows if r[0]]


def _load(reference: str) -> Any:
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)
