"""What the pipeline benchmarks share: sample registrations, an event store filled with them,
records on a topic, and the peer every processor is measured against — a plain aiokafka
consumer loop doing the same counting into PostgreSQL (`aiokafka_rate`).

The measurements themselves: bench/latency.py (command → indicator and alert, with the budget
from the traces), bench/processor_throughput.py (the faust processor against that loop) and
bench/rebuild.py (the reporting projection rebuilt from a million events).
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
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from harness import write_figures
from lmis_cli.embedded import EmbeddedBroker, EmbeddedPostgres, free_port, running
from lmis_reporting.settings import ReportingSettings
from lmis_shared.cloudevents import to_kafka
from lmis_shared.contracts.registry import Person, Sex, WorkerRegistered
from lmis_shared.events import NewEvent, RecordedEvent
from lmis_shared.eventstore import AppendContext, StreamAppend
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.processing import all_events
from lmis_shared.settings import CommonSettings

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


def bench_settings(database_url: str, bootstrap: str, data_dir: Path) -> CommonSettings:
    """The settings the processor benches run their processors with (fresh topics, no export)."""
    return CommonSettings(
        database_url=database_url,
        kafka_bootstrap=bootstrap,
        topic_prefix=f"bench-{uuid4().hex[:6]}",
        data_dir=data_dir,
        otel_exporter="none",
    )


async def stored_registrations(pool: asyncpg.Pool, n: int) -> list[RecordedEvent]:
    """`n` registrations appended to a new store `bench_source`, read back as recorded."""
    store = PostgresEventStore(pool, "bench_source")
    await PostgresEventStore.migrate(pool, "bench_source")
    await fill_store(store, n, seed=2)
    return [e async for e in all_events(store)]


def processor_settings(schema: str, app_id: str) -> ReportingSettings:
    return ReportingSettings(
        schema_name=schema,
        processor_id=app_id,
        processor_sources=["registry"],
        processor_batch_size=500,
    )


# -- 1. latency -------------------------------------------------------------------------------


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


_PEER_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE {s}.counts (unit_code text, period date, value bigint,
                         PRIMARY KEY (unit_code, period));
CREATE TABLE {s}.seen (n bigint)"""


async def aiokafka_rate(
    bootstrap: str, topic: str, pool: asyncpg.Pool, total: int, schema: str = "bench_peer"
) -> float:
    """The peer: a plain consumer loop, same counting (per commune and month), same database
    (its counts in `schema`, which must not exist yet)."""
    await pool.execute(_PEER_SCHEMA.format(s=schema))
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
                        f"INSERT INTO {schema}.counts AS c SELECT * FROM"  # noqa: S608
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


# -- 3. rebuild -------------------------------------------------------------------------------


# -- the run ----------------------------------------------------------------------------------


Measure = Callable[
    [EmbeddedPostgres, EmbeddedBroker, argparse.Namespace, Path], Awaitable[dict[str, Any]]
]


def on_embedded_servers(measure: Measure, args: argparse.Namespace) -> dict[str, Any]:
    """Runs `measure` on a PostgreSQL and a broker of its own and writes its figures to
    `args.out` with the time and the machine (and the result `args.before` names beside them);
    gives back what it wrote."""
    with tempfile.TemporaryDirectory(prefix="lmis-bench-") as tmp:
        pg = EmbeddedPostgres(Path(tmp) / "pg", free_port())
        broker = EmbeddedBroker(free_port(), Path(tmp) / "broker.log")
        with running(pg, broker):
            figures = asyncio.run(measure(pg, broker, args, Path(tmp)))
    result = {"measured_at": datetime.now(UTC).isoformat(), "machine": machine(), **figures}
    if args.before is not None:
        result["before"] = json.loads(args.before.read_text())
    write_figures(args.out, result)
    return result


def machine() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }
