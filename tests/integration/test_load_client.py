"""The load script's client (bench/load.py) for a few seconds at 2 clients, against the registry
and reporting APIs served over HTTP on free ports, with the registry's relay and the reporting
processor on the real broker and PostgreSQL: nothing answered other than 2xx, and the
indicators equal the event store's count and the commands accepted (what `make load` checks
at 2, 8 and 32 clients against `lmis up`)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import asyncpg
import httpx
import pytest

from lmis_registry.bootstrap import migrate as migrate_registry
from lmis_registry.entrypoints.http import create_app as registry_app
from lmis_registry.settings import RegistrySettings
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.bootstrap import migrate as migrate_reporting
from lmis_reporting.entrypoints.http import create_app as reporting_app
from lmis_reporting.settings import ReportingSettings
from lmis_shared.processing import make_app, projection_agent
from lmis_shared.relay import Relay
from lmis_shared.relay import migrate as migrate_relay
from tests.conftest import unique
from tests.integration.apps import served, signed_settings, signed_token
from tests.integration.processors import serving
from tests.integration.relays import kept_relay

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import load  # bench/load.py, a script elsewhere

pytestmark = pytest.mark.integration

CLIENTS, SECONDS = 2, 5.0


async def warmed_up(target: load.Target) -> None:
    """One read of each app before the load: the first request builds every route (FastAPI,
    under `warnings.catch_warnings`, which is process-wide state). Two apps doing that at once
    in two threads of one process (as here, never in production: a process per API) race, and
    pytest's `error` filter turns the warning one of them meant to silence into a 500."""
    auth = {"Authorization": f"Bearer {target.tokens[0]}"}
    async with httpx.AsyncClient(headers=auth, timeout=30) as http:
        for url in (f"{target.registry}/v1/workers", f"{target.reporting}/v1/indicators"):
            assert (await http.get(url)).status_code == 200


async def test_the_load_clients_mix_answers_2xx_and_leaves_the_indicators_exact(
    tmp_path: Path, database_url: str, pg_pool: asyncpg.Pool, kafka_bootstrap: str,
    fresh_topic: str, relays: list[Relay],
) -> None:  # fmt: skip
    signed, private = signed_settings(database_url, tmp_path)
    common = signed.model_copy(
        update={"kafka_bootstrap": kafka_bootstrap, "topic_prefix": fresh_topic}
    )
    registry, reporting = unique("t_registry"), unique("t_reporting")
    await migrate_registry(pg_pool, registry)
    await migrate_reporting(pg_pool, reporting)
    await migrate_relay(pg_pool, registry)
    topic = common.topic("registry")
    relay = kept_relay(pg_pool, database_url, kafka_bootstrap, registry, topic, relays)
    stop = asyncio.Event()
    processor = make_app(unique("lmis-load-test"), common)
    projection_agent(processor, topic, IndicatorProjection(pg_pool, reporting), batch_size=50)
    try:
        with (
            served(registry_app(common, RegistrySettings(schema_name=registry))) as registry_url,
            served(reporting_app(common, ReportingSettings(schema_name=reporting))) as reports,
        ):
            target = load.Target(
                registry_url,
                reports,
                [signed_token(private, "province_officer", "12", f"load-{i}") for i in range(2)],
                load.store_counter(database_url, registry),
            )
            await warmed_up(target)
            relaying = asyncio.create_task(relay.run(stop))
            async with serving(processor):
                figures = await load.run_levels(target, [CLIENTS], SECONDS)
            stop.set()
            await relaying
    finally:
        for schema in (registry, reporting):
            await pg_pool.execute(f"DROP SCHEMA {schema} CASCADE")

    level = figures["levels"][str(CLIENTS)]
    assert level["not_2xx"] == 0, level
    assert level["endpoints"]["POST /v1/workers"]["requests"] > 0, level
    indicators = figures["indicators"]
    assert indicators["exact"], indicators
    assert indicators["workers_registered"]["accepted"] > 0
