"""The operations metrics of relays and processors say what the store and the broker hold.

Relay lag is checked against the event store itself (committed events the broker has not
acknowledged, a transaction still open included), then through the gauge a running relay keeps;
projection lag, applied events and dead letters through a running reporting processor whose
writes are held back, then let go. Metrics are read as Prometheus scrapes them, from this
process's registry (`lmis_shared.metrics`), with labels unique to each test where a value is
absolute, and as differences where a label is shared.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import asyncpg
import pytest
from prometheus_client import generate_latest

from lmis_cli.embedded import free_port
from lmis_cli.status import parse
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.entrypoints.processor import build_processor
from lmis_reporting.settings import ReportingSettings
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.metrics import setup_metrics
from lmis_shared.relay import Relay, migrate, run_relay
from lmis_shared.relay.lag import RelayLag
from lmis_shared.settings import CommonSettings
from tests.conftest import unique
from tests.integration.processors import (
    create_topic,
    eventually,
    publish,
    serving,
)
from tests.integration.relays import FAST, kept_relay
from tests.integration.test_processing import _waiting_on_lock, record, registrations
from tests.integration.test_relay import append, command_context, drain, new_registrations

pytestmark = pytest.mark.integration


def sample(name: str, **labels: str) -> float | None:
    """The value of `name` whose labels include `labels` in this process's scrape, if any."""
    setup_metrics("tests", CommonSettings(otel_exporter="none"))
    found = parse(generate_latest().decode()).get(name, {})
    values = [v for key, v in found.items() if labels.items() <= dict(key).items()]
    assert len(values) <= 1, f"{name}{labels} is ambiguous: {found}"
    return values[0] if values else None


@pytest.fixture
async def schema(pg_pool: asyncpg.Pool, fresh_schema: str) -> AsyncIterator[str]:
    await PostgresEventStore.migrate(pg_pool, fresh_schema)
    await migrate(pg_pool, fresh_schema)
    await IndicatorProjection(pg_pool, fresh_schema).migrate()
    yield fresh_schema
    await pg_pool.execute(f"drop schema {fresh_schema} cascade")


# --- relays -----------------------------------------------------------------------------------


async def test_relay_lag_is_the_committed_events_the_broker_has_not_acknowledged(
    pg_pool: asyncpg.Pool, database_url: str, kafka_bootstrap: str, fresh_topic: str,
    schema: str, relays: list[Relay],
) -> None:  # fmt: skip
    store = PostgresEventStore(pg_pool, schema)
    topic = CommonSettings(topic_prefix=fresh_topic).topic("registry")
    lag = RelayLag(pg_pool, schema, topic)
    relay = kept_relay(pg_pool, database_url, kafka_bootstrap, schema, topic, relays)
    await append(store, uuid4(), 3)
    assert await lag.events(relay.cluster) == 3  # never published: everything waits

    await drain(relay)
    assert relay.cluster is not None
    assert await lag.events(relay.cluster) == 0
    assert await lag.events(None) == 0  # the latest checkpoint is this cluster's

    # an append still open is not committed, so not lag; one committed behind it is, although
    # a round cannot read it until the older transaction ends (the gap-safe order)
    async with pg_pool.acquire() as open_conn:
        open_tx = open_conn.transaction()
        await open_tx.start()
        await store.append_in(
            open_conn, uuid4(), "worker", 0, new_registrations(1), command_context()
        )
        await append(store, uuid4(), 2)
        assert await lag.events(relay.cluster) == 2
        assert await relay.publish_pending() == 0  # behind the open transaction's horizon
        assert await lag.events(relay.cluster) == 2
        await open_tx.rollback()

    await drain(relay)
    assert await lag.events(relay.cluster) == 0
    assert await lag.events("a-cluster-never-published-to") == 5


async def test_a_running_relay_reports_its_lag_through_an_outage_and_zero_once_published(
    pg_pool: asyncpg.Pool, database_url: str, kafka_bootstrap: str, fresh_topic: str,
    schema: str, tmp_path: Path,
) -> None:  # fmt: skip
    service = unique("svc")  # a label of this test's own: the gauge is absolute
    await append(PostgresEventStore(pg_pool, schema), uuid4(), 4)
    published_before = sample("lmis_relay_published_events_total", service=service) or 0.0
    nowhere = CommonSettings(
        database_url=database_url, kafka_bootstrap=f"127.0.0.1:{free_port()}",
        topic_prefix=fresh_topic, data_dir=tmp_path, otel_exporter="none", metrics_interval=0.05,
    )  # fmt: skip

    async def lag_is(expected: float) -> bool | None:
        return True if sample("lmis_relay_lag_events", service=service) == expected else None

    stop = asyncio.Event()
    down = asyncio.create_task(run_relay(nowhere, schema, service, stop, relay_settings=FAST))
    await eventually(lambda: lag_is(4), "the lag of the relay that cannot publish", worker=down)
    stop.set()
    assert (await down).published == 0

    up = nowhere.model_copy(update={"kafka_bootstrap": kafka_bootstrap})
    stop = asyncio.Event()
    running = asyncio.create_task(run_relay(up, schema, service, stop, relay_settings=FAST))
    await eventually(lambda: lag_is(0), "the lag to fall to 0", worker=running)
    stop.set()
    await running

    published = sample("lmis_relay_published_events_total", service=service)
    assert published == published_before + 4


# --- processors -------------------------------------------------------------------------------


async def test_projection_lag_applied_events_and_dead_letters_follow_the_processor(
    pg_pool: asyncpg.Pool, database_url: str, kafka_bootstrap: str,
    schema: str, common: CommonSettings,
) -> None:  # fmt: skip
    common = common.model_copy(update={"metrics_interval": 0.05})
    topic = common.topic("registry")
    create_topic(kafka_bootstrap, topic, 2)
    settings = ReportingSettings(
        schema_name=schema,
        processor_id=unique("lmis-reporting-test"),
        processor_sources=["registry"],
        processor_batch_size=50,
    )
    projection = IndicatorProjection.name
    events = registrations(12, seed=5)
    key, _, headers = record(events[0])
    malformed = (key, b"{not json", headers)
    await asyncio.to_thread(publish, kafka_bootstrap, topic, [*map(record, events), malformed])
    applied_before = sample("lmis_projection_applied_events_total", projection=projection) or 0.0

    async def lag_is(expected: float) -> bool | None:
        value = sample("lmis_projection_lag_events", projection=projection, topic=topic)
        return True if value == expected else None

    blocker = await asyncpg.connect(database_url)
    try:
        holding = blocker.transaction()
        await holding.start()
        await blocker.execute(f"LOCK TABLE {schema}.indicator_counts IN ACCESS EXCLUSIVE MODE")
        async with serving(build_processor(common, settings, pg_pool)) as worker:
            await eventually(lambda: _waiting_on_lock(pg_pool, schema), "a write to wait")
            # received, not applied: every record is still lag, the malformed one too
            await eventually(
                lambda: lag_is(len(events) + 1), "the held records as lag", worker=worker
            )
            assert sample("lmis_dead_letters_total", topic=topic, reason="invalid_envelope") == 0
            await holding.rollback()

            await eventually(lambda: lag_is(0), "the lag to fall to 0", worker=worker)
            applied = sample("lmis_projection_applied_events_total", projection=projection)
            dead = sample("lmis_dead_letters_total", topic=topic, reason="invalid_envelope")
    finally:
        await blocker.close()

    assert applied == applied_before + len(events)
    assert dead == 1
