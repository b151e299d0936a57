"""The relay's rules, on the in-memory event store and a fake broker of our own.

The real broker and PostgreSQL are in tests/integration/test_relay.py; here the fake lets a
test say exactly which records the broker acknowledges.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import asyncpg
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from lmis_shared.cloudevents import from_kafka, header_map
from lmis_shared.events import NewEvent, RecordedEvent
from lmis_shared.eventstore import AppendContext, InMemoryEventStore, Position
from lmis_shared.relay import OutboundRecord, PublishFailed, Relay, RelaySettings, Unavailable
from tests.unit.test_indicator_rules import registered

TOPIC = "lmis.registry.events"
COMMAND_TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class FakeBroker:
    """A `Publisher` whose cluster can go down, come back new, or acknowledge only a prefix."""

    topic = TOPIC

    def __init__(self) -> None:
        self.cluster = "cluster-a"
        self.records: list[OutboundRecord] = []
        self.down = False
        self.acknowledge_only: int | None = None
        self.closed = False

    async def cluster_id(self) -> str:
        if self.down:
            raise Unavailable("connection refused")
        return self.cluster

    async def publish(self, records: Sequence[OutboundRecord]) -> None:
        if self.down:
            raise PublishFailed(0, ConnectionRefusedError())
        if self.acknowledge_only is not None:
            acked, self.acknowledge_only = self.acknowledge_only, None
            self.records.extend(records[:acked])
            raise PublishFailed(acked, TimeoutError())
        self.records.extend(records)

    async def close(self) -> None:
        self.closed = True

    def restart_as_new_cluster(self) -> None:
        self.cluster, self.records = "cluster-b", []


class FakeCheckpoints:
    def __init__(self) -> None:
        self.saved: dict[tuple[str, str], Position] = {}

    async def load(self, cluster_id: str, topic: str) -> Position | None:
        return self.saved.get((cluster_id, topic))

    async def save(self, cluster_id: str, topic: str, position: Position) -> None:
        self.saved[(cluster_id, topic)] = position


async def append(
    store: InMemoryEventStore, stream_id: UUID, count: int = 1, traceparent: str | None = None
) -> list[RecordedEvent]:
    context = AppendContext(
        actor="officer-1",
        correlation_id=uuid4(),
        causation_id=None,
        traceparent=traceparent,
        source="/lmis/registry",
        recorded_at=datetime(2026, 11, 23, 8, 30, tzinfo=UTC),
    )
    version = len(await store.read_stream(stream_id))
    events = [
        NewEvent(event_id=uuid4(), payload=registered(on=date(2026, 11, 23))) for _ in range(count)
    ]
    result = await store.append(stream_id, "worker", version, events, context)
    return result.events


def published(broker: FakeBroker) -> list[RecordedEvent]:
    return [from_kafka(r.key, r.value, r.headers) for r in broker.records]


def ids(events: Sequence[RecordedEvent]) -> list[UUID]:
    return [e.metadata.event_id for e in events]


@pytest.fixture
def store() -> InMemoryEventStore:
    return InMemoryEventStore()


@pytest.fixture
def broker() -> FakeBroker:
    return FakeBroker()


@pytest.fixture
def checkpoints() -> FakeCheckpoints:
    return FakeCheckpoints()


@pytest.fixture
def relay(store: InMemoryEventStore, checkpoints: FakeCheckpoints, broker: FakeBroker) -> Relay:
    return Relay(store, checkpoints, broker, RelaySettings(batch_size=500))


async def test_events_are_published_in_global_order_keyed_by_their_stream(
    store: InMemoryEventStore, broker: FakeBroker, relay: Relay
) -> None:
    a, b = uuid4(), uuid4()
    appended = [*await append(store, a), *await append(store, b, 2), *await append(store, a)]

    assert await relay.publish_pending() == 4

    assert [r.key for r in broker.records] == [str(s).encode() for s in (a, b, b, a)]
    out = published(broker)
    assert ids(out) == ids(appended)
    assert [e.data for e in out] == [e.data for e in appended]
    assert [(e.metadata.stream_id, e.metadata.stream_version) for e in out] == [
        (a, 1),
        (b, 1),
        (b, 2),
        (a, 2),
    ]


async def test_the_checkpoint_is_the_last_acknowledged_event_and_nothing_repeats(
    store: InMemoryEventStore, broker: FakeBroker, checkpoints: FakeCheckpoints, relay: Relay
) -> None:
    appended = await append(store, uuid4(), 3)

    await relay.publish_pending()
    assert await relay.publish_pending() == 0

    assert checkpoints.saved == {("cluster-a", TOPIC): appended[-1].position}
    assert ids(published(broker)) == ids(appended)


async def test_a_broker_that_is_down_leaves_the_checkpoint_where_it_was(
    store: InMemoryEventStore, broker: FakeBroker, checkpoints: FakeCheckpoints, relay: Relay
) -> None:
    first = await append(store, uuid4())
    await relay.publish_pending()
    later = await append(store, uuid4(), 2)
    broker.down = True

    with pytest.raises(Unavailable):
        await relay.publish_pending()
    assert checkpoints.saved == {("cluster-a", TOPIC): first[-1].position}

    broker.down = False
    assert await relay.publish_pending() == 2
    assert ids(published(broker)) == ids(first + later)


async def test_a_partly_acknowledged_batch_moves_the_checkpoint_past_the_acknowledged_part_only(
    store: InMemoryEventStore, broker: FakeBroker, checkpoints: FakeCheckpoints, relay: Relay
) -> None:
    appended = await append(store, uuid4(), 5)
    broker.acknowledge_only = 2

    with pytest.raises(PublishFailed):
        await relay.publish_pending()
    assert checkpoints.saved == {("cluster-a", TOPIC): appended[1].position}

    assert await relay.publish_pending() == 3
    assert ids(published(broker)) == ids(appended)


async def test_a_broker_that_comes_back_as_a_new_cluster_gets_every_event_again(
    store: InMemoryEventStore, broker: FakeBroker, checkpoints: FakeCheckpoints, relay: Relay
) -> None:
    appended = await append(store, uuid4(), 2)
    await relay.publish_pending()

    broker.restart_as_new_cluster()
    appended += await append(store, uuid4())
    await relay.publish_pending()

    assert ids(published(broker)) == ids(appended)
    assert checkpoints.saved == {
        ("cluster-a", TOPIC): appended[1].position,
        ("cluster-b", TOPIC): appended[2].position,
    }


async def test_a_relay_restarted_from_its_checkpoint_publishes_only_what_is_new(
    store: InMemoryEventStore, broker: FakeBroker, checkpoints: FakeCheckpoints, relay: Relay
) -> None:
    before = await append(store, uuid4(), 2)
    await relay.publish_pending()
    after = await append(store, uuid4())

    restarted = Relay(store, checkpoints, broker, RelaySettings())
    assert await restarted.publish_pending() == 1

    assert ids(published(broker)) == ids(before + after)


async def test_the_store_is_read_in_batches_of_the_configured_size(
    store: InMemoryEventStore, checkpoints: FakeCheckpoints, broker: FakeBroker
) -> None:
    await append(store, uuid4(), 5)
    relay = Relay(store, checkpoints, broker, RelaySettings(batch_size=2))

    rounds = [await relay.publish_pending() for _ in range(4)]

    assert rounds == [2, 2, 1, 0]


def tracing() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


async def test_each_event_gets_a_publish_span_in_the_command_trace_named_in_its_header(
    store: InMemoryEventStore, checkpoints: FakeCheckpoints, broker: FakeBroker
) -> None:
    provider, exporter = tracing()
    relay = Relay(store, checkpoints, broker, tracer=provider.get_tracer("test"))
    await append(store, uuid4(), traceparent=COMMAND_TRACEPARENT)

    await relay.publish_pending()

    [span] = exporter.get_finished_spans()
    context = span.get_span_context()
    assert context is not None
    assert span.name == "relay.publish lmis.registry.worker.registered.v1"
    assert span.parent is not None
    assert format(span.parent.span_id, "016x") == "b7ad6b7169203331"
    assert format(context.trace_id, "032x") == "0af7651916cd43dd8448eb211c80319c"
    [record] = broker.records
    assert header_map(record.headers)["traceparent"] == (
        f"00-{context.trace_id:032x}-{context.span_id:016x}-01"
    )


async def test_records_not_acknowledged_end_their_spans_as_errors(
    store: InMemoryEventStore, checkpoints: FakeCheckpoints, broker: FakeBroker
) -> None:
    provider, exporter = tracing()
    relay = Relay(store, checkpoints, broker, tracer=provider.get_tracer("test"))
    await append(store, uuid4(), 3)
    broker.acknowledge_only = 1

    with pytest.raises(PublishFailed):
        await relay.publish_pending()

    statuses = [s.status.status_code for s in exporter.get_finished_spans()]
    assert statuses == [StatusCode.UNSET, StatusCode.ERROR, StatusCode.ERROR]


async def eventually(condition: Callable[[], bool]) -> None:
    """Wait for `condition`; a guard against hanging, not a measure of speed."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never became true")


FAST = RelaySettings(poll_interval=0.01, retry_initial=0.01, retry_max=0.05)


async def test_the_running_relay_waits_out_a_broker_outage_and_publishes_afterwards(
    store: InMemoryEventStore, checkpoints: FakeCheckpoints, broker: FakeBroker
) -> None:
    relay = Relay(store, checkpoints, broker, FAST)
    broker.down = True
    appended = await append(store, uuid4(), 3)
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))

    await eventually(lambda: relay.stats.failed_attempts >= 3)
    assert not running.done()
    broker.down = False
    await eventually(lambda: len(broker.records) == 3)
    stop.set()
    await running

    assert ids(published(broker)) == ids(appended)
    assert relay.stats.last_error is None


async def test_stopping_during_a_long_retry_wait_ends_the_run(
    store: InMemoryEventStore, checkpoints: FakeCheckpoints, broker: FakeBroker
) -> None:
    relay = Relay(store, checkpoints, broker, RelaySettings(retry_initial=3600, retry_max=3600))
    broker.down = True
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    await eventually(lambda: relay.stats.failed_attempts >= 1)

    stop.set()

    await asyncio.wait_for(running, timeout=30)  # an hour-long wait would not end here
    assert checkpoints.saved == {}


async def test_an_unexpected_error_is_not_retried_but_raised(
    checkpoints: FakeCheckpoints, broker: FakeBroker
) -> None:
    class BrokenSource:
        async def read_all(self, after: Position | None, limit: int = 500) -> list[RecordedEvent]:
            raise KeyError("a bug")

    relay = Relay(BrokenSource(), checkpoints, broker, FAST)

    with pytest.raises(KeyError):
        await relay.run(asyncio.Event())
    assert relay.stats.failed_attempts == 0


@pytest.mark.parametrize(
    "failover",
    [
        asyncpg.exceptions.AdminShutdownError,  # 57P01: the server is being shut down
        asyncpg.exceptions.TooManyConnectionsError,  # 53300: a new primary not ready yet
        asyncpg.exceptions.CannotConnectNowError,  # 57P03
    ],
)
async def test_a_database_failover_error_is_waited_out_not_raised(
    store: InMemoryEventStore,
    checkpoints: FakeCheckpoints,
    broker: FakeBroker,
    failover: type[Exception],
) -> None:
    appended = await append(store, uuid4(), 2)

    class FailingOver:
        failures = 3

        async def read_all(self, after: Position | None, limit: int = 500) -> list[RecordedEvent]:
            if self.failures:
                self.failures -= 1
                raise failover("the database is failing over")
            return await store.read_all(after, limit)

    relay = Relay(FailingOver(), checkpoints, broker, FAST)
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    await eventually(lambda: len(broker.records) == 2)
    stop.set()
    await running

    assert relay.stats.failed_attempts == 3
    assert ids(published(broker)) == ids(appended)
