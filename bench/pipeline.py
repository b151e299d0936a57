"""The event pipeline, measured on this machine (issue 5): latency, throughput, rebuild time.

Starts its own embedded PostgreSQL and broker (`lmis_cli.embedded`), then measures
  1. end-to-end latency: `POST /v1/workers` on the registry app (in-process, over httpx's
     ASGI transport) until the `workers_registered` count read from the reporting projection
     has moved; the relay and the faust processor run in this process too, as in `lmis up`;
  2. processor throughput: `--events` registrations already on a topic, counted by the faust
     processor (`build_processor`), against a plain aiokafka consumer loop doing the same
     counting into PostgreSQL (one upsert per fetched batch, in a transaction); both timed
     from their first record applied to their last, so group joins are left out;
  3. rebuild time: `IndicatorProjection.rebuild(all_events(store))` over `--rebuild-events`
     events in an event store (the issue asks 1,000,000; the default run extrapolates).
Results: `bench/results/pipeline.json`.

    .venv/bin/python bench/pipeline.py [--commands 200] [--events 20000]
                                        [--rebuild-events 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from lmis_cli.embedded import EmbeddedBroker, EmbeddedPostgres, free_port, running
from lmis_registry.bootstrap import migrate as migrate_registry
from lmis_registry.entrypoints.http import create_app as registry_app
from lmis_registry.settings import RegistrySettings
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.entrypoints.processor import build_processor
from lmis_reporting.settings import ReportingSettings
from lmis_shared.auth import ensure_local_keypair, issue_token
from lmis_shared.clock import FixedClock
from lmis_shared.cloudevents import to_kafka
from lmis_shared.contracts.registry import Person, Sex, WorkerRegistered
from lmis_shared.events import NewEvent, RecordedEvent
from lmis_shared.eventstore import AppendContext, StreamAppend
from lmis_shared.eventstore.postgres import PostgresEventStore, create_pool
from lmis_shared.processing import all_events, serve
from lmis_shared.relay import RelaySettings, build_relay
from lmis_shared.relay import migrate as migrate_relay
from lmis_shared.settings import CommonSettings

RESULTS = Path(__file__).parent / "results" / "pipeline.json"
COMMUNES = ("03637", "03640", "03643", "03646")
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
PARTITIONS = 3


def registration(i: int, rnd: random.Random) -> WorkerRegistered:
    return WorkerRegistered(
        person=Person(
            full_name="Lò Thị Mai", date_of_birth=date(1998, 4, 12), citizen_id=f"{i:012d}"
        ),
        sex=rnd.choice(list(Sex)),
        ethnicity="Thái",
        commune_code=rnd.choice(COMMUNES),
        province_code="12",
        registered_on=date(2026, rnd.randint(1, 11), rnd.randint(1, 28)),
    )


def context() -> AppendContext:
    return AppendContext("bench", uuid4(), None, None, "/lmis/registry", NOW)


async def fill_store(store: PostgresEventStore, n: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    for start in range(0, n, 1000):
        await store.append_many(
            [
                StreamAppend(
                    uuid4(),
                    "worker",
                    0,
                    [NewEvent(event_id=uuid4(), payload=registration(i, rnd))],
                    context(),
                )
                for i in range(start, min(n, start + 1000))
            ]
        )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def processor_settings(schema: str, app_id: str) -> ReportingSettings:
    return ReportingSettings(
        schema_name=schema,
        processor_id=app_id,
        processor_sources=["registry"],
        processor_batch_size=500,
    )


# -- 1. latency -------------------------------------------------------------------------------


async def latency(common: CommonSettings, pool: asyncpg.Pool, commands: int) -> dict[str, Any]:
    registry_schema, reporting_schema = "bench_registry", "bench_reporting"
    await migrate_registry(pool, registry_schema)
    await migrate_relay(pool, registry_schema)
    await IndicatorProjection(pool, reporting_schema).migrate()
    private, public = ensure_local_keypair(common.data_dir / "keys")
    app_common = common.model_copy(
        update={"jwt_public_key_file": public, "jwt_issuer": "b", "jwt_audience": "lmis"}
    )
    token = issue_token(
        private,
        subject="bench",
        role="admin",
        scope="12",
        issuer="b",
        audience="lmis",
        ttl=timedelta(hours=1),
    )
    settings = RegistrySettings(schema_name=registry_schema)
    app = registry_app(app_common, settings, clock=FixedClock(NOW))
    relay = build_relay(
        pool,
        registry_schema,
        bootstrap=common.kafka_bootstrap,
        topic=common.topic("registry"),
        settings=RelaySettings(poll_interval=0.005),
    )
    stop = asyncio.Event()
    processor = processor_settings(reporting_schema, "bench-latency")
    worker = asyncio.create_task(serve(build_processor(common, processor, pool), stop))
    relaying = asyncio.create_task(relay.run(stop))

    async def registered() -> int:
        return int(
            await pool.fetchval(
                f"SELECT coalesce(sum(value), 0) FROM {reporting_schema}.indicator_counts"  # noqa: S608
                " WHERE indicator = 'workers_registered' AND unit_code = '03637'"
                " AND dimension = ''"
            )
        )

    samples: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    try:
        await _send_and_wait(app, headers, commands, registered, samples)
    finally:
        stop.set()
        await asyncio.gather(worker, relaying)
        await relay.close()
    return {
        "commands": len(samples),
        "p50_ms": round(percentile(samples, 0.50), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "p99_ms": round(percentile(samples, 0.99), 1),
        "max_ms": round(max(samples), 1),
    }


async def _send_and_wait(
    app: Any, headers: dict[str, str], commands: int, registered: Any, samples: list[float]
) -> None:
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://r") as client,
    ):
        for i in range(commands + 5):  # the first few wait for the group join: not counted
            before = await registered()
            body = {
                "full_name": "Lò Thị Mai",
                "date_of_birth": "1998-04-12",
                "sex": "female",
                "ethnicity": "Thái",
                "citizen_id": f"012198{i:06d}",
                "commune_code": "03637",
                "priority_groups": ["ethnic_minority"],
                "registered_on": "2026-11-02",
            }
            started = time.perf_counter()
            response = await client.post("/v1/workers", json=body, headers=headers)
            response.raise_for_status()
            # polling the read side is the point: the indicator moves in another component
            while await registered() == before:  # noqa: ASYNC110
                await asyncio.sleep(0.002)
            if i >= 5:
                samples.append((time.perf_counter() - started) * 1000)


# -- 2. throughput ----------------------------------------------------------------------------


def publish(bootstrap: str, topic: str, events: list[RecordedEvent]) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    finally:
        admin.close()
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, batch_size=256 * 1024)
    try:
        for event in events:
            key, value, headers = to_kafka(event)
            producer.send(topic, key=key, value=value, headers=headers)
        producer.flush()
    finally:
        producer.close()


async def applied_window(probe: Any, total: int) -> float:
    """Seconds from the first event applied to the last (polled every 10 ms)."""
    while await probe() == 0:  # noqa: ASYNC110  (the count lives in PostgreSQL)
        await asyncio.sleep(0.01)
    started = time.perf_counter()
    while await probe() < total:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    return time.perf_counter() - started


async def faust_rate(common: CommonSettings, pool: asyncpg.Pool, schema: str, total: int) -> float:
    await IndicatorProjection(pool, schema).migrate()
    stop = asyncio.Event()
    processor = processor_settings(schema, "bench-faust")
    worker = asyncio.create_task(serve(build_processor(common, processor, pool), stop))

    async def applied() -> int:
        return int(await pool.fetchval(f"SELECT count(*) FROM {schema}.projection_positions"))  # noqa: S608

    seconds = await applied_window(applied, total)
    stop.set()
    await worker
    return total / seconds


_PEER_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE {s}.counts (unit_code text, period date, value bigint,
                         PRIMARY KEY (unit_code, period));
CREATE TABLE {s}.seen (n bigint)"""


async def aiokafka_rate(bootstrap: str, topic: str, pool: asyncpg.Pool, total: int) -> float:
    """The peer: a plain consumer loop, same counting (per commune and month), same database."""
    await pool.execute(_PEER_SCHEMA.format(s="bench_peer"))
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    consumer.assign([TopicPartition(topic, p) for p in range(PARTITIONS)])
    seen, started = 0, 0.0
    try:
        while seen < total:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            for records in batches.values():
                counted: Counter[tuple[str, date]] = Counter()
                for record in records:
                    data = json.loads(record.value)
                    day = date.fromisoformat(data["registered_on"]).replace(day=1)
                    counted[data["commune_code"], day] += 1
                async with pool.acquire() as conn, conn.transaction():
                    await conn.execute(
                        "INSERT INTO bench_peer.counts AS c SELECT * FROM"
                        " unnest($1::text[], $2::date[], $3::bigint[])"
                        " ON CONFLICT (unit_code, period)"
                        " DO UPDATE SET value = c.value + excluded.value",
                        [k[0] for k in counted],
                        [k[1] for k in counted],
                        list(counted.values()),
                    )
                if not started:
                    started = time.perf_counter()
                seen += len(records)
    finally:
        await consumer.stop()
    return total / (time.perf_counter() - started)


async def throughput(common: CommonSettings, pool: asyncpg.Pool, n: int) -> dict[str, Any]:
    store = PostgresEventStore(pool, "bench_source")
    await PostgresEventStore.migrate(pool, "bench_source")
    await fill_store(store, n, seed=2)
    events = [e async for e in all_events(store)]
    topic = common.topic("registry").replace("registry", "throughput")
    await asyncio.to_thread(publish, common.kafka_bootstrap, topic, events)
    faust_common = common.model_copy(update={"topic_prefix": f"{common.topic_prefix}-t"})
    await asyncio.to_thread(publish, common.kafka_bootstrap, faust_common.topic("registry"), events)
    ours = await faust_rate(faust_common, pool, "bench_throughput", n)
    peer = await aiokafka_rate(common.kafka_bootstrap, topic, pool, n)
    return {
        "events": n,
        "faust_processor_events_per_s": round(ours),
        "aiokafka_loop_events_per_s": round(peer),
        "ratio_processor_to_peer": round(ours / peer, 3),
    }


# -- 3. rebuild -------------------------------------------------------------------------------


async def rebuild(pool: asyncpg.Pool, n: int) -> dict[str, Any]:
    store = PostgresEventStore(pool, "bench_rebuild_source")
    await PostgresEventStore.migrate(pool, "bench_rebuild_source")
    await fill_store(store, n, seed=3)
    projection = IndicatorProjection(pool, "bench_rebuild")
    await projection.migrate()
    started = time.perf_counter()
    applied = await projection.rebuild(all_events(store, page=2000), batch_size=2000)
    seconds = time.perf_counter() - started
    return {
        "events": applied,
        "seconds": round(seconds, 1),
        "events_per_s": round(applied / seconds),
        "extrapolated_seconds_for_1000000": round(seconds * 1_000_000 / applied, 1),
    }


# -- the run ----------------------------------------------------------------------------------


async def measure(
    args: argparse.Namespace, pg: EmbeddedPostgres, broker: EmbeddedBroker
) -> dict[str, Any]:
    pool = await create_pool(pg.dsn, min_size=2, max_size=10)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            common = CommonSettings(
                database_url=pg.dsn,
                kafka_bootstrap=broker.bootstrap,
                topic_prefix=f"bench-{uuid4().hex[:6]}",
                data_dir=Path(tmp),
                otel_exporter="none",
            )
            return {
                "latency_http_to_indicator": await latency(common, pool, args.commands),
                "throughput": await throughput(common, pool, args.events),
                "rebuild": await rebuild(pool, args.rebuild_events),
            }
    finally:
        await pool.close()


def machine() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rebuild-events", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pg = EmbeddedPostgres(Path(tmp) / "pg", free_port())
        broker = EmbeddedBroker(free_port(), Path(tmp) / "broker.log")
        with running(pg, broker):
            figures = asyncio.run(measure(args, pg, broker))
    result = {"measured_at": datetime.now(UTC).isoformat(), "machine": machine(), **figures}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
