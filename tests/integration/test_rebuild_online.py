"""`lmis rebuild registry` runs beside live traffic, on the real PostgreSQL and broker: the
rebuild goes chunk by chunk in short transactions, so between two chunks a command is
accepted and the relay publishes it (no table lock held for the whole run, no long writing
transaction holding `pg_snapshot_xmin` back), and the rebuilt read models are right."""

from __future__ import annotations

import asyncio
from uuid import UUID

import pytest

from lmis_registry.adapters.rebuild import rebuild_open_files, rebuild_worker_list
from lmis_registry.settings import DEVELOPMENT_LOOKUP_KEY
from lmis_shared.relay import Relay, build_relay
from lmis_shared.relay import migrate as migrate_relay
from tests.integration.processors import eventually
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


async def test_commands_are_accepted_and_published_while_a_rebuild_runs(
    api: Api, database_url: str, kafka_bootstrap: str, fresh_topic: str,
    relays: list[Relay],
) -> None:  # fmt: skip
    pool, schema = api.pool, api.schema
    await migrate_relay(pool, schema)
    relay = build_relay(
        pool, schema, bootstrap=kafka_bootstrap, topic=f"{fresh_topic}.registry.events",
        database_url=database_url, settings=FAST,
    )  # fmt: skip
    relays.append(relay)
    stop = asyncio.Event()
    relaying = asyncio.create_task(relay.run(stop))
    for _ in range(FILES):
        await register(api)
    # the read models went wrong (a bug, a key rotation): the rebuild must set them right
    await pool.execute(f"update {schema}.worker_list set full_name = 'sai', search_name = ''")
    await pool.execute(f"delete from {schema}.open_files")
    during: list[UUID] = []

    async def live_traffic() -> None:
        """Between two chunks: a command is accepted and the relay publishes its event."""
        during.append(await register(api))
        last = await pool.fetchval(
            f"select max(seq) from {schema}.events where stream_id = $1", during[-1]
        )

        async def published() -> bool | None:
            marks = await checkpoints(pool, schema)
            return True if marks and max(s for _, s in marks.values()) >= last else None

        await eventually(published, "the relay to publish the command's event", worker=relaying)

    files = await rebuild_worker_list(
        pool, schema, api.personal, chunk=CHUNK, between_chunks=live_traffic
    )
    claims = await rebuild_open_files(
        pool,
        schema,
        DEVELOPMENT_LOOKUP_KEY.encode(),
        api.personal,
        chunk=CHUNK,
        between_chunks=live_traffic,
    )
    stop.set()
    await relaying

    total = FILES + len(during)
    assert len(during) >= 2 * (FILES // CHUNK)  # traffic ran between every two chunks
    assert files >= FILES
    assert claims >= FILES
    rows = await pool.fetch(f"select full_name from {schema}.worker_list")
    assert len(rows) == total
    assert "sai" not in {r["full_name"] for r in rows}
    assert await pool.fetchval(f"select count(*) from {schema}.open_files") == total
