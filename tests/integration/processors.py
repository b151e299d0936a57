"""A processor (a faust app) on the session's broker and PostgreSQL, for the integration tests
of the reporting and notify processors: its settings, topics to feed it, the processor run in
this event loop or as a process of its own (SIGKILL is the honest way to die mid-stream), and
waiting for what it does."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import faust
import pytest
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from lmis_reporting.settings import ReportingSettings
from lmis_shared.processing import serve
from lmis_shared.settings import CommonSettings

T = TypeVar("T")
Record = tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]


def broker_settings(
    kafka_bootstrap: str, database_url: str, topic_prefix: str, data_dir: Path
) -> CommonSettings:
    """Settings on the session's servers with topics of the test's own (`topic_prefix`)."""
    return CommonSettings(
        kafka_bootstrap=kafka_bootstrap,
        database_url=database_url,
        topic_prefix=topic_prefix,
        data_dir=data_dir,
        otel_exporter="none",
    )


def create_topic(bootstrap: str, topic: str, partitions: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic, partitions, 1)])
    finally:
        admin.close()


def publish(
    bootstrap: str, topic: str, records: Sequence[Record], partition: int | None = None
) -> list[tuple[int, int]]:
    """Publish in order (by key, or all to `partition`); returns each (partition, offset)."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    try:
        sent = [
            producer.send(topic, key=k, value=v, headers=h, partition=partition)
            for k, v, h in records
        ]
        producer.flush()
        return [(m.partition, m.offset) for m in (f.get(timeout=10) for f in sent)]
    finally:
        producer.close()


@asynccontextmanager
async def serving(app: faust.App) -> AsyncIterator[asyncio.Task[None]]:
    """`app` started in this event loop, and stopped on exit."""
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


async def eventually(
    probe: Callable[[], Awaitable[T | None]],
    what: str,
    within: float = 40,
    worker: asyncio.Task[None] | None = None,
) -> T:
    """Poll until `probe` gives a value (a wait, not a timing assertion); stop if `worker` dies."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if worker is not None and worker.done():
            worker.result()  # its error, rather than a timeout
            pytest.fail(f"the processor stopped before {what}")
        if (value := await probe()) is not None:
            return value
        await asyncio.sleep(0.05)
    pytest.fail(f"gave up waiting for {what}")


def reporting_process(
    common: CommonSettings, settings: ReportingSettings, log: Path
) -> subprocess.Popen[bytes]:
    """The reporting processor as a process of its own, as `main()` runs it, in small batches
    (many commits to die between); its output goes to the end of `log`."""
    env = os.environ | {
        "LMIS_KAFKA_BOOTSTRAP": common.kafka_bootstrap,
        "LMIS_DATABASE_URL": common.database_url,
        "LMIS_TOPIC_PREFIX": common.topic_prefix,
        "LMIS_DATA_DIR": str(common.data_dir),
        "LMIS_OTEL_EXPORTER": "none",
        "LMIS_REPORTING_SCHEMA_NAME": settings.schema_name,
        "LMIS_REPORTING_PROCESSOR_ID": settings.processor_id,
        "LMIS_REPORTING_PROCESSOR_BATCH_SIZE": "5",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "lmis_reporting.entrypoints.processor"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
