"""Servers restarted under load, on real servers.

PostgreSQL: while it is down the registry's API answers commands 503 with `Retry-After` (not
500), the relay waits instead of exiting, and once it is back every accepted registration is
in the store and on the topic. The broker: commands posted all along are accepted through
its outage (they touch PostgreSQL only); the restarted broker is a new, empty cluster, which
the relay gives every event of the store, and the reporting processor's indicator ends equal
to a count of the store's events (nothing lost, nothing counted twice).

Each test runs the server it restarts on its own (the session's serve every other test)."""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import warnings
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from uuid import uuid4

import asyncpg
import pytest

from lmis_cli.embedded import EmbeddedBroker, EmbeddedPostgres, free_port
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_shared.contracts.registry import WorkerRegistered
from lmis_shared.processing import make_app, projection_agent
from lmis_shared.relay import Relay, build_relay
from lmis_shared.relay import migrate as migrate_relay
from tests.conftest import unique
from tests.integration.processors import broker_settings, eventually, serving
from tests.integration.reporting_schema import indicator_tables
from tests.integration.test_processing import CountKey, counts_reach
from tests.integration.test_relay import (  # the fixture: sockets kafka-python leaves
    FAST,
    _refused_sockets_collected,  # noqa: F401
    records_on,
)
from tests.integration.worker_api import Api, running_api, worker
from tests.polling import eventually as eventually_sync

pytestmark = pytest.mark.integration

BEFORE, DURING_RECOVERY, AFTER = 5, 1, 5
BROKER_BEFORE, BROKER_DURING, BROKER_AFTER = 20, 20, 20


@pytest.fixture(scope="module", autouse=True)
def _late_refused_sockets_collected() -> Iterator[None]:
    """The sockets kafka-python refused while a broker was away, that its closing clients
    let go only after a test's own collection (`_refused_sockets_collected`): collected
    quietly once the module is done, rather than failing whichever test comes next."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture
async def own_postgres(tmp_path: Path) -> AsyncIterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path / "pg" / "data", free_port())
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


_SERIALS = itertools.count(uuid4().int % 10**6)


def citizen_id() -> str:
    """Born in province 012, a woman of the 1900s born in 1998, six digits of a serial
    (random ones meet: hundreds of registrations drawn from a million collide about one run
    in ten, and the second file of an open citizen is a 409)."""
    return f"012198{next(_SERIALS) % 10**6:06d}"


async def register(api: Api) -> int:
    answer = await api.client.post(
        "/v1/workers", json=worker(citizen_id=citizen_id()), headers=api.auth()
    )
    return answer.status_code


async def _accepted(api: Api) -> bool | None:
    return True if await register(api) == 201 else None


async def test_postgresql_restarted_under_load_loses_nothing(
    own_postgres: EmbeddedPostgres, tmp_path: Path, kafka_bootstrap: str, fresh_schema: str,
    fresh_topic: str, relays: list[Relay],
) -> None:  # fmt: skip
    dsn = own_postgres.dsn
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
    topic = f"{fresh_topic}.registry.events"
    try:
        async with running_api(tmp_path, dsn, fresh_schema, pool) as api:
            await migrate_relay(pool, fresh_schema)
            relay = build_relay(
                pool, fresh_schema, bootstrap=kafka_bootstrap, topic=topic,
                database_url=dsn, settings=FAST,
            )  # fmt: skip
            relays.append(relay)
            stop = asyncio.Event()
            relaying = asyncio.create_task(relay.run(stop))
            assert [await register(api) for _ in range(BEFORE)] == [201] * BEFORE

            await asyncio.to_thread(own_postgres.stop)
            refused = await api.client.post(
                "/v1/workers", json=worker(citizen_id=citizen_id()), headers=api.auth()
            )
            assert refused.status_code == 503, refused.text
            assert refused.headers["Retry-After"].isdigit()
            assert refused.headers["content-type"] == "application/problem+json"
            assert not relaying.done()  # waiting, not exited

            await asyncio.to_thread(own_postgres.start)
            accepted = BEFORE
            await eventually(
                lambda: _accepted(api), "a command accepted again", within=60
            )  # the pools find their servers again
            accepted += DURING_RECOVERY
            assert [await register(api) for _ in range(AFTER)] == [201] * AFTER
            accepted += AFTER
            assert not relaying.done()

            stored = await pool.fetch(f"select event_id from {fresh_schema}.events")
            assert len(stored) == accepted

            def published() -> set[str] | None:
                found = asyncio.run(records_on(kafka_bootstrap, topic, accepted))
                ids = {str(r.metadata.event_id) for r in found}
                return ids if len(ids) >= accepted else None

            on_topic = await asyncio.to_thread(
                eventually_sync, published, "every event on the topic", 120
            )
            stop.set()
            await relaying
    finally:
        await pool.close()

    # every accepted event reached the topic (at least once: a round published just before
    # the server went away may be published again; the projections count it once)
    assert on_topic == {str(r["event_id"]) for r in stored}


@pytest.fixture
async def own_broker(tmp_path: Path) -> AsyncIterator[EmbeddedBroker]:
    server = EmbeddedBroker(free_port(), tmp_path / "broker.log")
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


class Load:
    """Registrations posted one after the other until stopped, the answers tallied."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.answers: Counter[int] = Counter()
        self.stop = asyncio.Event()

    async def run(self) -> None:
        while not self.stop.is_set():
            self.answers[await register(self.api)] += 1

    async def accepted_reach(self, n: int) -> None:
        async def probe() -> bool | None:
            return True if self.answers[201] >= n else None

        await eventually(probe, f"{n} commands accepted", within=120)


async def registered_in_store(pool: asyncpg.Pool, schema: str) -> Counter[CountKey]:
    """The independent count: the store's registrations by commune and month."""
    rows = await pool.fetch(
        f"SELECT data->>'commune_code' AS commune, data->>'registered_on' AS day"
        f" FROM {schema}.events WHERE event_type = $1",
        WorkerRegistered.event_type,
    )
    return Counter((r["commune"], date.fromisoformat(r["day"]).replace(day=1)) for r in rows)


async def test_the_broker_restarted_under_load_loses_nothing_and_counts_nothing_twice(
    own_broker: EmbeddedBroker, tmp_path: Path, database_url: str, pg_pool: asyncpg.Pool,
    fresh_schema: str, fresh_topic: str, relays: list[Relay],
) -> None:  # fmt: skip
    common = broker_settings(own_broker.bootstrap, database_url, fresh_topic, tmp_path)
    topic = common.topic("registry")
    async with (
        running_api(tmp_path, database_url, fresh_schema, pg_pool) as api,
        indicator_tables(pg_pool, unique("t")) as reporting,
    ):
        await migrate_relay(pg_pool, fresh_schema)
        relay = build_relay(
            pg_pool, fresh_schema, bootstrap=own_broker.bootstrap, topic=topic,
            database_url=database_url, settings=FAST,
        )  # fmt: skip
        relays.append(relay)
        stop_relay = asyncio.Event()
        relaying = asyncio.create_task(relay.run(stop_relay))
        processor = make_app(unique("lmis-broker-restart"), common)
        projection_agent(processor, topic, IndicatorProjection(pg_pool, reporting), batch_size=50)
        load = Load(api)
        async with serving(processor) as worker:
            posting = asyncio.create_task(load.run())
            await load.accepted_reach(BROKER_BEFORE)
            # the processor has applied something before the broker goes
            await counts_reach(pg_pool, reporting, Counter({("any", date.min): 1}), worker)

            await asyncio.to_thread(own_broker.stop)
            during = load.answers[201]
            await load.accepted_reach(during + BROKER_DURING)  # the broker away all along
            during = load.answers[201] - during
            await asyncio.to_thread(own_broker.start)  # the same port, a new empty cluster

            await load.accepted_reach(load.answers[201] + BROKER_AFTER)
            load.stop.set()
            await posting
            stored = await registered_in_store(pg_pool, fresh_schema)
            counted = await counts_reach(pg_pool, reporting, stored, worker)
            assert not relaying.done()
        stop_relay.set()
        await relaying

    assert set(load.answers) == {201}, load.answers  # nothing refused, before, during, after
    assert during >= BROKER_DURING
    assert sum(stored.values()) == load.answers[201]  # every accepted command is in the store
    assert counted == stored  # every stored registration counted once
    logging.getLogger(__name__).info(  # the closing note's figures (`-o log_cli=true`)
        "broker restart: %d commands accepted, %d while the broker was away, %d events lost",
        load.answers[201],
        during,
        sum(stored.values()) - sum(counted.values()),
    )
