"""The relay between the real PostgreSQL event store and the real broker.

Each test has its own schema and its own topic prefix. The tests that stop a broker start one
of their own, so that the session's broker stays up for everyone else. Records are read by a
consumer without a group (assigned partitions, from the beginning): a group consumer would wait
`max_poll_interval_ms` for its first assignment on the embedded broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import signal
import sys
import threading
import warnings
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from kafka import KafkaConsumer, TopicPartition

from lmis_cli.embedded import EmbeddedBroker, free_port
from lmis_shared.cloudevents import from_kafka, header_map
from lmis_shared.events import NewEvent, RecordedEvent
from lmis_shared.eventstore import AppendContext, Position
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.relay import (
    TRANSIENT_ERRORS,
    Relay,
    build_relay,
    migrate,
    run_relay,
)
from lmis_shared.relay.lock import LOCK_CLASS
from lmis_shared.settings import CommonSettings
from tests.integration.relays import FAST, kept_relay
from tests.unit.test_indicator_rules import registered

pytestmark = pytest.mark.integration

COMMAND_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
async def schema(pg_pool: asyncpg.Pool, fresh_schema: str) -> AsyncIterator[str]:
    await PostgresEventStore.migrate(pg_pool, fresh_schema)
    await migrate(pg_pool, fresh_schema)
    yield fresh_schema
    await pg_pool.execute(f"drop schema {fresh_schema} cascade")


@pytest.fixture
def topic(fresh_topic: str) -> str:
    return CommonSettings(topic_prefix=fresh_topic).topic("registry")


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker this test may stop and start again."""
    server = EmbeddedBroker(free_port(), tmp_path / "broker.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _refused_sockets_collected() -> Iterator[None]:
    """kafka-python 3.0.12 leaves the socket of a refused connection to the garbage collector
    (kafka/net/inet.py: `sock_connect` raises without closing it), and these tests refuse
    connections on purpose. Collect those sockets quietly after each test, once its clients
    are closed, rather than let their ResourceWarning fail whichever test the collector
    happens to run in next."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def command_context() -> AppendContext:
    """The context of a command of the registry, in the trace `COMMAND_TRACE_ID`."""
    return AppendContext(
        actor="officer-1",
        correlation_id=uuid4(),
        causation_id=None,
        traceparent=f"00-{COMMAND_TRACE_ID}-{uuid4().hex[:16]}-01",
        source="/lmis/registry",
        recorded_at=datetime.now(UTC),
    )


def new_registrations(count: int) -> list[NewEvent]:
    return [
        NewEvent(event_id=uuid4(), payload=registered(on=date(2026, 11, 23))) for _ in range(count)
    ]


async def append(store: PostgresEventStore, stream_id: UUID, count: int = 1) -> list[RecordedEvent]:
    version = len(await store.read_stream(stream_id))
    events = new_registrations(count)
    return (await store.append(stream_id, "worker", version, events, command_context())).events


def read_topic(bootstrap: str, topic: str, expected: int) -> list[Any]:
    """Every record on `topic`: read until at least `expected` came and nothing more comes."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, allow_auto_create_topics=False
    )
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        records: list[Any] = []
        quiet = 0
        for _ in range(100):  # a guard against hanging, not a measure of speed
            got = [r for batch in consumer.poll(timeout_ms=200).values() for r in batch]
            records += got
            quiet = 0 if got else quiet + 1
            if quiet >= 2 and len(records) >= expected:
                break
        return records
    finally:
        consumer.close()


async def records_on(bootstrap: str, topic: str, expected: int) -> list[RecordedEvent]:
    records = await asyncio.to_thread(read_topic, bootstrap, topic, expected)
    return [from_kafka(r.key, r.value, r.headers) for r in records]


async def checkpoints(pool: asyncpg.Pool, schema: str) -> dict[str, Position]:
    rows = await pool.fetch(f"select cluster_id, tx_id, seq from {schema}.relay_checkpoints")
    return {r["cluster_id"]: (int(r["tx_id"]), int(r["seq"])) for r in rows}


async def eventually(condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait for `condition`; a guard against hanging, not a measure of speed."""
    for _ in range(600):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition never became true")


async def until_leading(relay: Relay) -> None:
    """Wait for `relay` to hold its schema's lock."""

    async def leads() -> bool:
        return relay.stats.leading

    await eventually(leads)


async def drain(relay: Relay) -> None:
    """Rounds until nothing is left, waiting out the moments the broker is not there."""
    for _ in range(100):
        try:
            if await relay.publish_pending() == 0:
                return
        except TRANSIENT_ERRORS:
            await asyncio.sleep(0.1)
    raise AssertionError("the relay never caught up")


def stream_versions(events: Sequence[RecordedEvent]) -> Counter[tuple[UUID, int]]:
    return Counter((e.metadata.stream_id, e.metadata.stream_version) for e in events)


async def published_once(
    bootstrap: str, topic: str, expected: Sequence[RecordedEvent]
) -> list[RecordedEvent]:
    """What `topic` holds, checked to be exactly the `expected` events, each of them once."""
    published = await records_on(bootstrap, topic, len(expected))
    assert stream_versions(published) == stream_versions(expected)
    assert set(stream_versions(published).values()) == {1}
    return published


async def test_appended_events_reach_the_topic_as_cloudevents_in_stream_order(
    pg_pool: asyncpg.Pool, database_url: str, kafka_bootstrap: str, fresh_topic: str,
    schema: str, topic: str,
) -> None:  # fmt: skip
    store = PostgresEventStore(pg_pool, schema)
    a, b = uuid4(), uuid4()
    appended = [*await append(store, a), *await append(store, b, 2), *await append(store, a)]
    settings = CommonSettings(
        database_url=database_url, kafka_bootstrap=kafka_bootstrap, topic_prefix=fresh_topic
    )
    stop = asyncio.Event()
    running = asyncio.create_task(
        run_relay(settings, schema, "registry", stop, relay_settings=FAST)
    )

    async def caught_up() -> bool:
        return list((await checkpoints(pg_pool, schema)).values()) == [appended[-1].position]

    await eventually(caught_up)
    stop.set()
    stats = await running
    records = await asyncio.to_thread(read_topic, kafka_bootstrap, topic, len(appended))

    assert stats.published == len(appended)
    assert len({r.partition for r in records if r.key == str(b).encode()}) == 1
    for stream in (a, b):
        mine = [r for r in records if r.key == str(stream).encode()]
        expected = [e for e in appended if e.metadata.stream_id == stream]
        events = [from_kafka(r.key, r.value, r.headers) for r in mine]
        assert [e.metadata.event_id for e in events] == [e.metadata.event_id for e in expected]
        assert [e.metadata.stream_version for e in events] == list(range(1, len(expected) + 1))
        assert [e.data for e in events] == [e.data for e in expected]
    headers = header_map(records[0].headers)
    assert headers["ce_specversion"] == "1.0"
    assert headers["content-type"] == "application/json"
    assert headers["ce_source"] == "/lmis/registry"
    assert headers["ce_type"] == "lmis.registry.worker.registered.v1"
    # the publish span continues the command's trace, so the consumer's span does too
    assert {header_map(r.headers)["traceparent"].split("-")[1] for r in records} == {
        COMMAND_TRACE_ID
    }


async def test_a_relay_restarted_from_its_checkpoint_publishes_only_what_is_new(
    pg_pool: asyncpg.Pool, database_url: str, kafka_bootstrap: str, schema: str, topic: str,
    relays: list[Relay],
) -> None:  # fmt: skip
    store = PostgresEventStore(pg_pool, schema)
    before = await append(store, uuid4(), 2)
    first = kept_relay(pg_pool, database_url, kafka_bootstrap, schema, topic, relays)
    await drain(first)
    await first.close()

    after = [*await append(store, uuid4()), *await append(store, before[0].metadata.stream_id)]
    restarted = kept_relay(pg_pool, database_url, kafka_bootstrap, schema, topic, relays)

    assert await restarted.publish_pending() == len(after)
    assert await restarted.publish_pending() == 0
    await published_once(kafka_bootstrap, topic, before + after)


async def test_a_broker_that_is_down_only_delays_publishing(
    pg_pool: asyncpg.Pool, database_url: str, own_broker: EmbeddedBroker, schema: str,
    topic: str, relays: list[Relay],
) -> None:  # fmt: skip
    store = PostgresEventStore(pg_pool, schema)
    # the cluster id is not asked again before publishing: the outage meets the producer
    trusting = FAST.model_copy(update={"cluster_check_interval": 3600})
    relay = kept_relay(pg_pool, database_url, own_broker.bootstrap, schema, topic, relays, trusting)
    published_before = await append(store, uuid4())
    await drain(relay)
    cluster = own_broker.cluster_id

    own_broker.stop()
    while_down = [*await append(store, uuid4(), 2), *await append(store, uuid4())]
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))

    async def retried_twice() -> bool:
        return relay.stats.failed_attempts >= 2

    await eventually(retried_twice)
    assert not running.done()
    assert await checkpoints(pg_pool, schema) == {cluster: published_before[-1].position}

    own_broker.start(new_cluster=False)

    async def caught_up() -> bool:
        return await checkpoints(pg_pool, schema) == {cluster: while_down[-1].position}

    await eventually(caught_up)
    stop.set()
    await running
    await relay.close()
    # retrying through the outage left no kafka-python IO thread behind
    assert not [t for t in threading.enumerate() if t.name.endswith(topic)]
    # the restarted broker lost what it held (memory only) and, being the same cluster, was
    # rightly not sent it again: it holds exactly the events appended while it was down
    await published_once(own_broker.bootstrap, topic, while_down)


async def test_a_broker_with_a_new_cluster_id_gets_every_event_again(
    pg_pool: asyncpg.Pool, database_url: str, own_broker: EmbeddedBroker, schema: str,
    topic: str, relays: list[Relay],
) -> None:  # fmt: skip
    store = PostgresEventStore(pg_pool, schema)
    relay = kept_relay(pg_pool, database_url, own_broker.bootstrap, schema, topic, relays)
    appended = [*await append(store, uuid4(), 2), *await append(store, uuid4())]
    await drain(relay)
    old_cluster = own_broker.cluster_id

    # disconnected first: the embedded broker stops 5 s later while a client is connected
    # (the outage with a connected relay is the test above)
    await relay.close()
    own_broker.stop()
    own_broker.start(new_cluster=True)
    appended += await append(store, uuid4())
    await drain(relay)

    await published_once(own_broker.bootstrap, topic, appended)
    assert await checkpoints(pg_pool, schema) == {
        old_cluster: appended[2].position,
        own_broker.cluster_id: appended[3].position,
    }


async def test_the_relay_process_publishes_and_stops_cleanly_on_sigterm(
    pg_pool: asyncpg.Pool, database_url: str, kafka_bootstrap: str, fresh_topic: str,
    schema: str, topic: str, tmp_path: Path,
) -> None:  # fmt: skip
    appended = await append(PostgresEventStore(pg_pool, schema), uuid4(), 2)
    env = os.environ | {
        "LMIS_DATABASE_URL": database_url,
        "LMIS_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "LMIS_TOPIC_PREFIX": fresh_topic,
        "LMIS_DATA_DIR": str(tmp_path),
        "LMIS_OTEL_EXPORTER": "none",
    }
    code = f"from lmis_shared.relay import main; main(service_schema={schema!r}, domain='registry')"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, env=env, stdout=asyncio.subprocess.PIPE
    )

    async def caught_up() -> bool:
        assert process.returncode is None, "the relay process died"
        return list((await checkpoints(pg_pool, schema)).values()) == [appended[-1].position]

    try:
        await eventually(caught_up)
        process.send_signal(signal.SIGTERM)
        stdout, _ = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert process.returncode == 0
    logged = [json.loads(line) for line in stdout.decode().splitlines()]
    assert {"relay.started", "relay.stopped"} <= {line["event"] for line in logged}
    published = await records_on(kafka_bootstrap, topic, len(appended))
    assert stream_versions(published) == stream_versions(appended)


# --- one relay per service --------------------------------------------------------------------


def in_stream_order(published: Sequence[RecordedEvent]) -> bool:
    """Each stream's versions arrive 1, 2, 3... on the topic."""
    seen: dict[UUID, list[int]] = {}
    for event in published:
        seen.setdefault(event.metadata.stream_id, []).append(event.metadata.stream_version)
    return all(versions == list(range(1, len(versions) + 1)) for versions in seen.values())


@pytest.fixture
def two_relays(
    pg_pool: asyncpg.Pool, database_url: str, kafka_bootstrap: str, schema: str, topic: str,
    relays: list[Relay],
) -> tuple[Relay, Relay]:  # fmt: skip
    """Two relays of the test's schema, as two replicas of its relay would be."""
    settings = FAST.model_copy(update={"standby_interval": 0.05})
    return (
        kept_relay(pg_pool, database_url, kafka_bootstrap, schema, topic, relays, settings),
        kept_relay(pg_pool, database_url, kafka_bootstrap, schema, topic, relays, settings),
    )


async def test_a_second_relay_stands_by_and_takes_over_when_the_first_is_cancelled(
    pg_pool: asyncpg.Pool, kafka_bootstrap: str, schema: str, topic: str,
    two_relays: tuple[Relay, Relay],
) -> None:  # fmt: skip
    store = PostgresEventStore(pg_pool, schema)
    first, second = two_relays
    a, b = uuid4(), uuid4()
    running_first = asyncio.create_task(first.run(asyncio.Event()))
    await until_leading(first)
    stop_second = asyncio.Event()
    running_second = asyncio.create_task(second.run(stop_second))

    async def second_refused_twice() -> bool:
        return second.stats.refused >= 2

    await eventually(second_refused_twice)
    while_both = [*await append(store, a, 2), *await append(store, b)]

    async def caught_up_with(events: list[RecordedEvent]) -> bool:
        return list((await checkpoints(pg_pool, schema)).values()) == [events[-1].position]

    await eventually(lambda: caught_up_with(while_both))
    assert (first.stats.published, second.stats.published) == (len(while_both), 0)
    assert not second.stats.leading

    running_first.cancel()  # as if its process died: its session, and the lock, end
    with pytest.raises(asyncio.CancelledError):
        await running_first
    after = [*await append(store, b), *await append(store, a)]
    await eventually(lambda: caught_up_with(after))
    stop_second.set()
    await running_second

    assert (first.stats.published, second.stats.published) == (len(while_both), len(after))
    published = await published_once(kafka_bootstrap, topic, while_both + after)
    assert in_stream_order(published)


async def test_a_relay_whose_lock_session_ends_stops_publishing_until_it_leads_again(
    pg_pool: asyncpg.Pool, kafka_bootstrap: str, schema: str, topic: str,
    two_relays: tuple[Relay, Relay],
) -> None:  # fmt: skip
    store = PostgresEventStore(pg_pool, schema)
    first, second = two_relays
    stop = asyncio.Event()
    running = [asyncio.create_task(first.run(stop))]
    await until_leading(first)
    running.append(asyncio.create_task(second.run(stop)))

    async def second_refused() -> bool:
        return second.stats.refused >= 1

    await eventually(second_refused)
    before = await append(store, uuid4(), 2)

    async def caught_up_with(events: list[RecordedEvent]) -> bool:
        return list((await checkpoints(pg_pool, schema)).values()) == [events[-1].position]

    await eventually(lambda: caught_up_with(before))

    # the server ends the leader's session (a restart, an administrator, a lost network)
    ended = await pg_pool.fetchval(
        "select pg_terminate_backend(pid) from pg_stat_activity"
        " where application_name = 'lmis-relay-lock' and pid in ("
        "  select pid from pg_locks where locktype = 'advisory' and granted"
        "  and classid = $1::int::oid and objid = hashtext($2)::oid)",
        LOCK_CLASS,
        schema,
    )
    assert ended is True

    async def first_saw_it_lost() -> bool:
        return first.stats.lost == 1

    await eventually(first_saw_it_lost)
    after = await append(store, uuid4(), 3)
    await eventually(lambda: caught_up_with(after))
    stop.set()
    await asyncio.gather(*running)

    # whichever relay took the lock next published the rest, once
    stats = (first.stats, second.stats)
    assert first.stats.published + second.stats.published == len(before + after), stats
    published = await published_once(kafka_bootstrap, topic, before + after)
    assert in_stream_order(published)


async def read_lines(stream: asyncio.StreamReader, into: list[dict[str, Any]]) -> None:
    while line := await stream.readline():
        with contextlib.suppress(ValueError):
            into.append(json.loads(line))


async def test_killing_the_leading_relay_process_hands_publishing_to_the_one_standing_by(
    pg_pool: asyncpg.Pool, database_url: str, kafka_bootstrap: str, fresh_topic: str,
    schema: str, topic: str, tmp_path: Path,
) -> None:  # fmt: skip
    store = PostgresEventStore(pg_pool, schema)
    code = f"from lmis_shared.relay import main; main(service_schema={schema!r}, domain='registry')"

    async def start(name: str) -> tuple[asyncio.subprocess.Process, list[dict[str, Any]]]:
        env = os.environ | {
            "LMIS_DATABASE_URL": database_url,
            "LMIS_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "LMIS_TOPIC_PREFIX": fresh_topic,
            "LMIS_DATA_DIR": str(tmp_path / name),  # a pod of its own
            "LMIS_OTEL_EXPORTER": "none",
            "LMIS_RELAY_POLL_INTERVAL": "0.05",
            "LMIS_RELAY_STANDBY_INTERVAL": "0.1",
            "LMIS_LIVENESS_INTERVAL": "0.1",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, env=env, stdout=asyncio.subprocess.PIPE
        )
        assert process.stdout is not None
        logged: list[dict[str, Any]] = []
        readers.append(asyncio.create_task(read_lines(process.stdout, logged)))
        processes.append(process)
        return process, logged

    def said(logged: list[dict[str, Any]], event: str) -> Callable[[], Awaitable[bool]]:
        async def condition() -> bool:
            return any(line.get("event") == event for line in logged)

        return condition

    async def caught_up_with(events: list[RecordedEvent]) -> bool:
        return list((await checkpoints(pg_pool, schema)).values()) == [events[-1].position]

    processes: list[asyncio.subprocess.Process] = []
    readers: list[asyncio.Task[None]] = []
    try:
        leader, leader_log = await start("first")
        await eventually(said(leader_log, "relay.leading"))
        before = await append(store, uuid4(), 2)
        await eventually(lambda: caught_up_with(before))
        standby, standby_log = await start("second")
        await eventually(said(standby_log, "relay.standing_by"))

        leader.kill()  # SIGKILL: no goodbye, the server sees the socket close
        await leader.wait()
        after = [*await append(store, uuid4()), *await append(store, before[0].metadata.stream_id)]
        await eventually(lambda: caught_up_with(after))
        assert standby.returncode is None
        await eventually(said(standby_log, "relay.leading"))
        health = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "lmis_cli", "health", "relay", "registry",
            env=os.environ | {"LMIS_DATA_DIR": str(tmp_path / "second")},
            stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        assert await health.wait() == 0
        standby.send_signal(signal.SIGTERM)
        assert await standby.wait() == 0
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
        for reader in readers:
            reader.cancel()

    published = await published_once(kafka_bootstrap, topic, before + after)
    assert in_stream_order(published)


async def test_a_relay_built_without_its_lock_publishes_a_round_but_refuses_to_run(
    pg_pool: asyncpg.Pool, kafka_bootstrap: str, schema: str, topic: str, relays: list[Relay]
) -> None:
    appended = await append(PostgresEventStore(pg_pool, schema), uuid4())
    relay = build_relay(pg_pool, schema, bootstrap=kafka_bootstrap, topic=topic, settings=FAST)
    relays.append(relay)

    assert await relay.publish_pending() == len(appended)  # a tool that knows it is alone
    with pytest.raises(TypeError, match="database_url"):
        await relay.run(asyncio.Event())
