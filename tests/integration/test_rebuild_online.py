"""`lmis rebuild registry` and `lmis rebuild reporting` run beside live traffic, on the real
PostgreSQL and broker: the registry's rebuild goes chunk by chunk in short transactions,
reporting's reads the stores in chunks of read-only statements and swaps its tables in at the
end, so between two chunks a command is accepted and the relay publishes it (no table lock
held for the whole run, no long writing transaction holding `pg_snapshot_xmin` back), and the
rebuilt read models are right."""

from __future__ import annotations

import asyncio
from uuid import UUID

import pytest

from lmis_registry.adapters.rebuild import rebuild_open_files, rebuild_worker_list
from lmis_registry.settings import DEVELOPMENT_LOOKUP_KEY
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.adapters.replica import IndicatorReplica
from lmis_shared.processing.rebuilding import Hook, rebuild_projection
from lmis_shared.relay import Relay, build_relay
from lmis_shared.relay import migrate as migrate_relay
from tests.conftest import unique
from tests.integration.processors import eventually
from tests.integration.reporting_schema import indicator_tables
from tests.integration.test_relay import FAST, checkpoints
from tests.integration.test_restarts_under_load import citizen_id
from tests.integration.worker_api import Api, worker

pytestmark = pytest.mark.integration

FILES = 6
CHUNK = 2


async def register(api: Api) -> UUID:
    answer = await api.client.post(
        "/v1/workers", json=worker(citizen_id=citizen_id()), headers=api.auth()
    )
    assert answer.status_code == 201, answer.text
    return UUID(answer.json()["id"])


Relaying = tuple[asyncio.Task[None], asyncio.Event]


async def relaying_registry(
    api: Api, database_url: str, kafka_bootstrap: str, topic: str, relays: list[Relay]
) -> Relaying:
    """The registry's relay, running until `relay_stopped`."""
    await migrate_relay(api.pool, api.schema)
    relay = build_relay(
        api.pool, api.schema, bootstrap=kafka_bootstrap, topic=f"{topic}.registry.events",
        database_url=database_url, settings=FAST,
    )  # fmt: skip
    relays.append(relay)
    stop = asyncio.Event()
    return asyncio.create_task(relay.run(stop)), stop


def live_traffic(api: Api, relaying: Relaying, during: list[UUID]) -> Hook:
    """A hook for between two chunks: a command is accepted and the relay publishes its
    event, while the rebuild has not finished."""
    pool, schema = api.pool, api.schema

    async def traffic() -> None:
        during.append(await register(api))
        last = await pool.fetchval(
            f"select max(seq) from {schema}.events where stream_id = $1", during[-1]
        )

        async def published() -> bool | None:
            marks = await checkpoints(pool, schema)
            return True if marks and max(s for _, s in marks.values()) >= last else None

        await eventually(published, "the relay to publish the command's event", worker=relaying[0])

    return traffic


async def test_commands_are_accepted_and_published_while_a_rebuild_runs(
    api: Api, database_url: str, kafka_bootstrap: str, fresh_topic: str,
    relays: list[Relay],
) -> None:  # fmt: skip
    pool, schema = api.pool, api.schema
    relaying = await relaying_registry(api, database_url, kafka_bootstrap, fresh_topic, relays)
    for _ in range(FILES):
        await register(api)
    # the read models went wrong (a bug, a key rotation): the rebuild must set them right
    await pool.execute(f"update {schema}.worker_list set full_name = 'sai', search_name = ''")
    await pool.execute(f"delete from {schema}.open_files")
    during: list[UUID] = []
    traffic = live_traffic(api, relaying, during)

    files = await rebuild_worker_list(
        pool, schema, api.personal, chunk=CHUNK, between_chunks=traffic
    )
    claims = await rebuild_open_files(
        pool,
        schema,
        DEVELOPMENT_LOOKUP_KEY.encode(),
        api.personal,
        chunk=CHUNK,
        between_chunks=traffic,
    )
    await relay_stopped(relaying)

    total = FILES + len(during)
    assert len(during) >= 2 * (FILES // CHUNK)  # traffic ran between every two chunks
    assert files >= FILES
    assert claims >= FILES
    rows = await pool.fetch(f"select full_name from {schema}.worker_list")
    assert len(rows) == total
    assert "sai" not in {r["full_name"] for r in rows}
    assert await pool.fetchval(f"select count(*) from {schema}.open_files") == total


async def relay_stopped(relaying: Relaying) -> None:
    task, stop = relaying
    assert not task.done(), "the relay kept running through the rebuild"
    stop.set()
    await task


async def test_the_reporting_rebuild_lets_commands_and_the_relay_go_on_and_counts_all(
    api: Api, database_url: str, kafka_bootstrap: str, fresh_topic: str,
    relays: list[Relay],
) -> None:  # fmt: skip
    relaying = await relaying_registry(api, database_url, kafka_bootstrap, fresh_topic, relays)
    for _ in range(FILES):
        await register(api)
    during: list[UUID] = []
    async with indicator_tables(api.pool, unique("t_reporting")) as reporting:
        applied = await rebuild_projection(
            api.pool, reporting, IndicatorProjection.name, IndicatorProjection.event_types,
            IndicatorReplica(), [api.schema], chunk=CHUNK,
            between_chunks=live_traffic(api, relaying, during),
        )  # fmt: skip
        await relay_stopped(relaying)
        registered = await api.pool.fetchval(
            f"select sum(value) from {reporting}.indicator_counts"
            " where indicator = 'workers_registered' and dimension = ''"
        )

    assert len(during) >= FILES // CHUNK  # traffic ran between the chunks, relay published it
    # every registration counted once: those before the rebuild and those during it
    assert applied == registered == FILES + len(during)
