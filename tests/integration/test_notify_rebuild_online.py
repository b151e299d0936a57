"""`lmis rebuild notify` beside live traffic, on the real PostgreSQL and broker: the deadline
and feed projections are replayed in chunks of read-only statements and swapped in at the end,
so between two chunks a registry command is accepted and the registry's relay publishes its
event (no long writing transaction holds `pg_snapshot_xmin` back), before the rebuild has
swapped anything in; every registration, those made during the rebuild too, is in the rebuilt
projections once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

import pytest

from lmis_notify.bootstrap import bootstrap, migrate
from lmis_notify.settings import NotifySettings
from lmis_shared.processing import Projection
from lmis_shared.relay import Relay
from lmis_shared.settings import CommonSettings
from tests.conftest import unique
from tests.integration.test_rebuild_online import (
    CHUNK,
    FILES,
    live_traffic,
    register,
    relay_stopped,
    relaying_registry,
)
from tests.integration.worker_api import Api

pytestmark = pytest.mark.integration


async def positions(api: Api, schema: str, projection: str) -> set[UUID]:
    rows = await api.pool.fetch(
        f"SELECT stream_id FROM {schema}.projection_positions WHERE projection = $1", projection
    )
    return {r["stream_id"] for r in rows}


def before_the_swap(
    api: Api, schema: str, projection: Projection, traffic: Callable[[], Awaitable[None]],
    during: list[UUID],
) -> Callable[[], Awaitable[None]]:  # fmt: skip
    """The registry's traffic hook, then the proof that the relay published it while the
    rebuild had not swapped it in yet (the projection holds no position of the new file)."""

    async def hook() -> None:
        await traffic()
        assert during[-1] not in await positions(api, schema, projection.name)

    return hook


async def stream_ids(api: Api) -> set[UUID]:
    rows = await api.pool.fetch(f"SELECT DISTINCT stream_id FROM {api.schema}.events")
    return {r["stream_id"] for r in rows}


async def test_the_notify_rebuild_lets_commands_and_the_relay_go_on_and_misses_nothing(
    api: Api, database_url: str, kafka_bootstrap: str, fresh_topic: str, relays: list[Relay],
) -> None:  # fmt: skip
    relaying = await relaying_registry(api, database_url, kafka_bootstrap, fresh_topic, relays)
    for _ in range(FILES):
        await register(api)
    schema = unique("t_notify")
    await migrate(api.pool, schema)
    try:
        common = CommonSettings(database_url=database_url, otel_exporter="none")
        settings = NotifySettings(schema_name=schema, sources=[api.schema], report_obligations={})
        notify = bootstrap(api.pool, settings, common)
        during: list[UUID] = []
        traffic = live_traffic(api, relaying, during)
        replayed, registered = {}, {}
        for projection in (notify.deadlines, notify.feed_projection):
            hook = before_the_swap(api, schema, projection, traffic, during)
            replayed[projection.name] = await projection.rebuild_beside_live(
                [api.schema], chunk=CHUNK, between_chunks=hook
            )
            registered[projection.name] = await stream_ids(api)
        await relay_stopped(relaying)
        files = {
            r["stream_id"]
            for r in await api.pool.fetch(f"SELECT stream_id FROM {api.schema}.events")
        }

        assert len(during) >= 2 * (FILES // CHUNK)  # traffic between the chunks of both
        assert len(files) == FILES + len(during)
        assert registered[notify.feed_projection.name] == files
        for name, expected in registered.items():
            # every file: those registered before the rebuild and during it (no live
            # processor here: those registered after a rebuild are not in its projection)
            assert await positions(api, schema, name) == expected
        assert replayed[notify.deadlines.name] >= FILES
    finally:
        await api.pool.execute(f"DROP SCHEMA {schema} CASCADE")
