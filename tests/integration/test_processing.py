"""The reporting processor on the real broker and PostgreSQL: exact counts, whatever Kafka does.

Each test has its own schema, topic prefix and consumer group. Records are CloudEvents built
with `to_kafka` from hand-made events, as the relay would publish them. The expected numbers
are always a straight count over the events published.

The worker runs in-process (faust started in the test's event loop, the same wiring as
`main()`), so a failure shows its traceback and the tracing test can hand it an in-memory span
exporter; the kill test runs it as a subprocess, because SIGKILL is the honest way to die
mid-stream. The DLQ is read by a consumer without a group (assigned partition, from the
start): a group consumer would wait `max_poll_interval_ms` for its first assignment here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from kafka import KafkaConsumer, TopicPartition
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.bootstrap import rebuild
from lmis_reporting.entrypoints.processor import build_processor
from lmis_reporting.settings import ReportingSettings
from lmis_shared.cloudevents import header_map, to_kafka
from lmis_shared.contracts.notify import AlertRaised, AlertRule, SubjectKind
from lmis_shared.contracts.registry import Person, PriorityGroup, Sex, WorkerRegistered
from lmis_shared.events import EventMetadata, NewEvent, RecordedEvent
from lmis_shared.eventstore import AppendContext
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.privacy.keys import LocalMasterKey
from lmis_shared.privacy.keystore import InMemoryKeyStore
from lmis_shared.privacy.personal import PersonalData
from lmis_shared.processing import Rejected, decode_record, validate_payload
from lmis_shared.processing.decoding import Decoded
from lmis_shared.settings import CommonSettings
from tests.conftest import unique
from tests.integration.processors import (
    Record,
    create_topic,
    eventually,
    publish,
    reporting_process,
    serving,
)
from tests.integration.reporting_schema import indicator_tables
from tests.integration.test_indicators_projection import recorded
from tests.unit.test_indicator_rules import foreign_worker, permit_issued

pytestmark = pytest.mark.integration

CountKey = tuple[str, date]

COMMUNES = ("03637", "03640", "03643", "03646")
CITIZEN_ID = "012198001234"
FULL_NAME = "Lò Thị Mai"
PARTITIONS = 3


# -- events and records ---------------------------------------------------------------------


def registration(
    commune: str,
    registered_on: date,
    sex: Sex = Sex.female,
    groups: tuple[PriorityGroup, ...] = (),
    traceparent: str | None = None,
) -> RecordedEvent:
    payload = WorkerRegistered(
        person=Person(full_name=FULL_NAME, date_of_birth=date(1998, 4, 12), citizen_id=CITIZEN_ID),
        sex=sex,
        ethnicity="Thái",
        commune_code=commune,
        province_code="12",
        priority_groups=groups,
        registered_on=registered_on,
    )
    return RecordedEvent(
        metadata=EventMetadata(
            event_id=uuid4(),
            event_type=payload.event_type,
            stream_id=uuid4(),
            stream_type="worker",
            stream_version=1,
            recorded_at=datetime.now(UTC),
            actor="officer-1",
            correlation_id=uuid4(),
            traceparent=traceparent,
            source="/lmis/registry",
        ),
        data=payload.model_dump(mode="json"),
    )


def registrations(n: int, seed: int = 7) -> list[RecordedEvent]:
    rnd = random.Random(seed)
    return [
        registration(
            rnd.choice(COMMUNES),
            date(2026, rnd.randint(1, 4), rnd.randint(1, 28)),
            rnd.choice(list(Sex)),
            tuple(rnd.sample(list(PriorityGroup), rnd.randint(0, 2))),
        )
        for _ in range(n)
    ]


def straight_count(events: Sequence[RecordedEvent]) -> Counter[CountKey]:
    """The truth: registrations per commune and month, each event once."""
    unique_events = {e.metadata.event_id: e for e in events}.values()
    return Counter(
        (e.data["commune_code"], date.fromisoformat(e.data["registered_on"]).replace(day=1))
        for e in unique_events
    )


def record(event: RecordedEvent) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    return to_kafka(event)


# -- the broker -------------------------------------------------------------------------------


def read_all(bootstrap: str, topic: str, idle_ms: int = 1500) -> list[Any]:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=idle_ms
    )
    try:
        consumer.assign([TopicPartition(topic, 0)])
        consumer.seek_to_beginning()
        return list(consumer)
    finally:
        consumer.close()


# -- PostgreSQL -------------------------------------------------------------------------------


async def counts(pool: asyncpg.Pool, schema: str) -> Counter[CountKey]:
    rows = await pool.fetch(
        f"SELECT unit_code, period, value FROM {schema}.indicator_counts"
        " WHERE indicator = 'workers_registered' AND dimension = ''"
    )
    return Counter({(r["unit_code"], r["period"]): r["value"] for r in rows})


async def positions(pool: asyncpg.Pool, schema: str) -> int:
    return int(await pool.fetchval(f"SELECT count(*) FROM {schema}.projection_positions"))


async def counts_reach(
    pool: asyncpg.Pool,
    schema: str,
    expected: Counter[CountKey],
    worker: asyncio.Task[None] | None = None,
) -> Counter[CountKey]:
    async def probe() -> Counter[CountKey] | None:
        now = await counts(pool, schema)
        return now if sum(now.values()) >= sum(expected.values()) else None

    return await eventually(
        probe, f"{sum(expected.values())} registrations to be counted", worker=worker
    )


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture
async def schema(pg_pool: asyncpg.Pool, fresh_schema: str) -> AsyncIterator[str]:
    async with indicator_tables(pg_pool, fresh_schema) as name:
        yield name


@dataclass
class Pipeline:
    """One test's topic of registry records and the processor that counts them in `schema`."""

    common: CommonSettings
    processor: ReportingSettings
    topic: str
    pool: asyncpg.Pool
    schema: str

    async def publish(
        self, records: Sequence[Record], partition: int | None = None, topic: str | None = None
    ) -> list[tuple[int, int]]:
        bootstrap = self.common.kafka_bootstrap
        return await asyncio.to_thread(publish, bootstrap, topic or self.topic, records, partition)

    async def publish_events(self, events: Sequence[RecordedEvent]) -> None:
        await self.publish([record(e) for e in events])

    def running(
        self,
        processor: ReportingSettings | None = None,
        tracer_provider: TracerProvider | None = None,
    ) -> contextlib.AbstractAsyncContextManager[asyncio.Task[None]]:
        """The processor's faust app (the same wiring as `main()`), in this event loop."""
        settings = processor or self.processor
        return serving(build_processor(self.common, settings, self.pool, tracer_provider))

    async def counts(self) -> Counter[CountKey]:
        return await counts(self.pool, self.schema)

    async def positions(self) -> int:
        return await positions(self.pool, self.schema)

    async def counts_reach(
        self, events: Sequence[RecordedEvent], worker: asyncio.Task[None] | None = None
    ) -> Counter[CountKey]:
        return await counts_reach(self.pool, self.schema, straight_count(events), worker)


@pytest.fixture
def pipeline(
    kafka_bootstrap: str,
    pg_pool: asyncpg.Pool,
    schema: str,
    common: CommonSettings,
) -> Pipeline:
    topic = common.topic("registry")
    create_topic(kafka_bootstrap, topic, PARTITIONS)
    processor = ReportingSettings(
        schema_name=schema,
        processor_id=unique("lmis-reporting-test"),
        processor_sources=["registry"],
        processor_batch_size=50,
    )
    return Pipeline(common, processor, topic, pg_pool, schema)


# -- the tests --------------------------------------------------------------------------------


async def test_counts_per_commune_and_month_equal_a_straight_count(pipeline: Pipeline) -> None:
    events = registrations(120)
    await pipeline.publish_events(events)

    async with pipeline.running() as worker:
        counted = await pipeline.counts_reach(events, worker)

    assert counted == straight_count(events)
    by_sex = await pipeline.pool.fetch(
        f"SELECT dim_value, sum(value) AS n FROM {pipeline.schema}.indicator_counts"
        " WHERE indicator = 'workers_registered' AND dimension = 'sex' GROUP BY dim_value"
    )
    assert {r["dim_value"]: r["n"] for r in by_sex} == dict(Counter(e.data["sex"] for e in events))


async def test_by_default_the_processor_counts_the_permits_and_notify_topics_as_well(
    pipeline: Pipeline,
) -> None:
    common, pg_pool, schema = pipeline.common, pipeline.pool, pipeline.schema
    permits_topic, notify_topic = common.topic("permits"), common.topic("notify")
    for topic in (permits_topic, notify_topic):
        create_topic(common.kafka_bootstrap, topic, PARTITIONS)
    events = registrations(10, seed=31)
    stream = uuid4()
    permit = [
        recorded(stream, n + 1, e)
        for n, e in enumerate([foreign_worker("03637"), permit_issued(date(2026, 3, 1))])
    ]
    alert = recorded(uuid4(), 1, alert_raised(stream))
    await pipeline.publish_events(events)
    await pipeline.publish([record(e) for e in permit], topic=permits_topic)
    await pipeline.publish([record(alert)], topic=notify_topic)
    defaults = ReportingSettings(
        schema_name=schema, processor_id=unique("lmis-reporting-test"), processor_batch_size=50
    )

    async with pipeline.running(defaults) as worker:
        await pipeline.counts_reach(events, worker)
        issued = await eventually(
            lambda: _total(pg_pool, schema, "permits_issued"),
            "the permit to be counted",
            worker=worker,
        )
        raised = await eventually(
            lambda: _total(pg_pool, schema, "alerts_raised"),
            "the alert to be counted",
            worker=worker,
        )

    assert defaults.processor_sources == ["registry", "permits", "notify"]
    assert notify_topic == f"{common.topic_prefix}.notify.events"
    assert (issued, raised) == (1, 1)


def alert_raised(subject: UUID) -> AlertRaised:
    return AlertRaised(
        rule=AlertRule.working_without_permit,
        subject_id=subject,
        subject_kind=SubjectKind.foreign_worker,
        unit_code="03637",
        province_code="12",
        due_on=date(2026, 3, 1),
        raised_at=datetime(2026, 3, 2, 3, tzinfo=UTC),
    )


async def _total(pool: asyncpg.Pool, schema: str, indicator: str) -> int | None:
    value = await pool.fetchval(
        f"SELECT sum(value) FROM {schema}.indicator_counts WHERE indicator = $1 AND dimension = ''",
        indicator,
    )
    return int(value) if value else None


async def test_every_record_delivered_twice_still_counts_once(pipeline: Pipeline) -> None:
    events = registrations(80, seed=11)
    # twice in a row (likely the same batch), then all of them again (later batches)
    doubled = [r for e in events for r in (record(e), record(e))] + [record(e) for e in events]
    await pipeline.publish(doubled)
    # one last event per partition: once they are counted, every copy before them was handled
    sentinels = registrations(PARTITIONS, seed=12)
    for partition, sentinel in enumerate(sentinels):
        await pipeline.publish([record(sentinel)], partition)

    async with pipeline.running() as worker:
        await pipeline.counts_reach(events + sentinels, worker)

    assert await pipeline.counts() == straight_count(events + sentinels)
    assert await pipeline.positions() == len(events) + len(sentinels)


async def _applied_any(pipeline: Pipeline) -> bool | None:
    return True if await pipeline.positions() > 0 else None


async def test_a_malformed_record_goes_to_the_dead_letter_topic_and_the_rest_is_counted(
    pipeline: Pipeline,
) -> None:
    common, topic = pipeline.common, pipeline.topic
    before, after = registrations(5, seed=1), registrations(5, seed=2)
    key, value, headers = record(registration("03637", date(2026, 2, 3)))
    not_json = (key, b"{not json", headers)
    bad_date = value.replace(b'"registered_on":"2026-02-03"', b'"registered_on":"someday"')
    bad_payload = (key, bad_date, headers)
    assert bad_date != value
    teleported = [
        (n, b"lmis.registry.worker.teleported.v1" if n == "ce_type" else v) for n, v in headers
    ]
    unknown_type = (key, value, teleported)
    records = [
        *map(record, before),
        not_json,
        bad_payload,
        unknown_type,
        *map(record, after),
    ]
    offsets = await pipeline.publish(records)

    async with pipeline.running() as worker:
        await pipeline.counts_reach(before + after, worker)
        dead = await eventually(
            lambda: _dead_letters(common.kafka_bootstrap, f"{topic}.dlq", 2), "two dead letters"
        )

    assert await pipeline.counts() == straight_count(before + after)
    assert [(m.key, m.value) for m in dead] == [not_json[:2], bad_payload[:2]]
    first, second = (header_map(m.headers) for m in dead)
    assert first["dlq_reason"].startswith("not a valid LMIS CloudEvent: value is not JSON")
    assert second["dlq_reason"].startswith("payload does not match lmis.registry.worker.registered")
    assert "registered_on" in second["dlq_reason"]
    for letter, (partition, offset) in zip((first, second), offsets[5:7], strict=True):
        assert letter["dlq_source_topic"] == topic
        assert (int(letter["dlq_source_partition"]), int(letter["dlq_source_offset"])) == (
            partition,
            offset,
        )
        assert letter["ce_id"] == header_map(headers)["ce_id"]  # the original headers travel
        assert CITIZEN_ID not in letter["dlq_reason"]
        assert FULL_NAME not in letter["dlq_reason"]


async def test_sealed_records_count_and_their_dead_letters_hold_no_personal_field_in_clear(
    pipeline: Pipeline,
) -> None:
    # as the relay publishes them: `person` sealed with the worker's key, which the
    # processor does not have and does not need
    personal = PersonalData(InMemoryKeyStore(), LocalMasterKey(os.urandom(32)))
    good = [await _sealed(personal, e) for e in registrations(6, seed=3)]
    key, value, headers = record(await _sealed(personal, registration("03637", date(2026, 2, 3))))
    bad_date = value.replace(b'"registered_on":"2026-02-03"', b'"registered_on":"someday"')
    assert bad_date != value
    await pipeline.publish([*map(record, good), (key, bad_date, headers)])

    async with pipeline.running() as worker:
        await pipeline.counts_reach(good, worker)
        [dead] = await eventually(
            lambda: _dead_letters(pipeline.common.kafka_bootstrap, f"{pipeline.topic}.dlq", 1),
            "the dead letter",
        )

    assert await pipeline.counts() == straight_count(good)
    assert dead.value == bad_date  # the sealed copy, whole: an operator can fix and replay it
    letter = (dead.value or b"").decode() + " ".join(v.decode() for _, v in dead.headers)
    assert CITIZEN_ID not in letter
    assert FULL_NAME not in letter
    assert '"$enc":"v1"' in letter


async def _sealed(personal: PersonalData, event: RecordedEvent) -> RecordedEvent:
    meta = event.metadata
    planned = SimpleNamespace(
        stream_id=meta.stream_id,
        event_type=meta.event_type,
        data=event.data,
        context=SimpleNamespace(actor=meta.actor, recorded_at=meta.recorded_at),
    )
    [data] = await personal.seal(None, [planned])
    return event.model_copy(update={"data": data})


async def _dead_letters(bootstrap: str, dlq: str, n: int) -> list[Any] | None:
    found = await asyncio.to_thread(read_all, bootstrap, dlq, 500)
    return found if len(found) >= n else None


async def test_a_processor_killed_mid_stream_and_restarted_counts_exactly(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    events = registrations(2000, seed=5)
    await pipeline.publish_events(events)
    log = tmp_path / "processor.log"

    first = reporting_process(pipeline.common, pipeline.processor, log)
    try:
        await eventually(lambda: _applied_any(pipeline), "the first events applied")
        first.send_signal(signal.SIGKILL)
    finally:
        first.kill()
        first.wait(10)
    counted_at_kill = await pipeline.positions()
    assert 0 < counted_at_kill < len(events), "the kill should land mid-stream"

    second = reporting_process(pipeline.common, pipeline.processor, log)
    try:
        # each partition is read in order and the redelivered copies come first: once the
        # total is reached, every copy has been judged
        counted = await pipeline.counts_reach(events)
        assert counted == straight_count(events)
        second.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(second.wait, 30) == 0, log.read_text()[-3000:]
    finally:
        second.kill()


async def test_a_processor_stopped_while_its_writes_wait_has_acknowledged_none_of_them(
    pipeline: Pipeline, database_url: str
) -> None:
    """faust acknowledges an event in a `finally`, even when its handling was cancelled; an
    acknowledgement that ran ahead of the commit would lose the batch on the next start."""
    events = registrations(30, seed=21)
    await pipeline.publish_events(events)
    blocker = await asyncpg.connect(database_url)
    try:
        holding = blocker.transaction()
        await holding.start()
        await blocker.execute(
            f"LOCK TABLE {pipeline.schema}.indicator_counts IN ACCESS EXCLUSIVE MODE"
        )
        async with pipeline.running() as worker:
            await eventually(
                lambda: _waiting_on_lock(pipeline.pool, pipeline.schema),
                "a write to wait",
                worker=worker,
            )
        await holding.rollback()
    finally:
        await blocker.close()
    assert await pipeline.counts() == Counter()

    async with pipeline.running() as worker:
        counted = await pipeline.counts_reach(events, worker)

    assert counted == straight_count(events)


async def _waiting_on_lock(pool: asyncpg.Pool, schema: str) -> bool | None:
    waiting = await pool.fetchval(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND position($1 in query) > 0",
        f'"{schema}".indicator_counts',
    )
    return True if waiting else None


async def test_a_rebuild_from_a_list_of_events_gives_the_straight_count_again(
    pg_pool: asyncpg.Pool, schema: str
) -> None:
    events = registrations(150, seed=3)
    projection = IndicatorProjection(pg_pool, schema)
    await projection.process([Decoded(e, validate_payload(e)) for e in events])
    # drift: a count edited by hand and a lost position
    await pg_pool.execute(f"UPDATE {schema}.indicator_counts SET value = value + 100")
    await pg_pool.execute(f"DELETE FROM {schema}.projection_positions WHERE version = 1")

    applied = await projection.rebuild(events, batch_size=40)

    assert applied == len(events)
    assert await counts(pg_pool, schema) == straight_count(events)
    assert await positions(pg_pool, schema) == len(events)


async def test_a_rebuild_from_the_event_stores_matches_the_live_projection(
    pg_pool: asyncpg.Pool, schema: str, database_url: str
) -> None:
    """`bootstrap.rebuild` replays each source domain's store, one after the other (its other
    processes connect with the settings' address)."""
    stores = [unique("t_store"), unique("t_store")]
    events = registrations(60, seed=9)
    try:
        for store_schema, part in zip(stores, (events[:40], events[40:]), strict=True):
            await PostgresEventStore.migrate(pg_pool, store_schema)
            store = PostgresEventStore(pg_pool, store_schema)
            for event in part:
                await store.append(
                    event.metadata.stream_id,
                    "worker",
                    0,
                    [NewEvent(event_id=event.metadata.event_id, payload=validate_payload(event))],
                    AppendContext(
                        "officer-1", uuid4(), None, None, "/lmis/registry", datetime.now(UTC)
                    ),
                )
        projection = IndicatorProjection(pg_pool, schema)
        await projection.process([Decoded(e, validate_payload(e)) for e in events])
        live = await counts(pg_pool, schema)

        settings = ReportingSettings(schema_name=schema, processor_sources=stores)
        summary = await rebuild(pg_pool, settings, CommonSettings(database_url=database_url))

        assert summary == "reporting: 60 events replayed"
        assert await counts(pg_pool, schema) == live == straight_count(events)
    finally:
        for store_schema in stores:
            await pg_pool.execute(f"DROP SCHEMA IF EXISTS {store_schema} CASCADE")


async def test_the_processor_span_continues_the_trace_of_the_record(pipeline: Pipeline) -> None:
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    event = registration("03637", date(2026, 2, 3), traceparent=f"00-{trace_id}-{parent_id}-01")
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    await pipeline.publish_events([event])

    async with pipeline.running(tracer_provider=provider) as worker:
        await pipeline.counts_reach([event], worker)
        spans = await eventually(
            lambda: _finished(exporter), "the processor span to end", within=10
        )

    (span,) = spans
    assert span.name == "process lmis.registry.worker.registered.v1"
    assert format(span.context.trace_id, "032x") == trace_id
    assert span.parent is not None
    assert format(span.parent.span_id, "016x") == parent_id
    assert span.attributes is not None
    assert span.attributes["lmis.projection.applied"] is True
    assert CITIZEN_ID not in str(span.attributes)
    assert FULL_NAME not in str(span.attributes)


async def _finished(exporter: InMemorySpanExporter) -> Sequence[Any] | None:
    spans = exporter.get_finished_spans()
    return spans if spans else None


# -- decoding, without the servers -----------------------------------------------------------


def test_fields_a_newer_producer_added_are_ignored_not_refused() -> None:
    key, value, headers = record(registration("03637", date(2026, 2, 3)))
    data = json.loads(value)
    data["passport_office"] = "Hà Nội"
    data["person"]["nickname"] = "Mai"

    decoded = decode_record(key, json.dumps(data).encode(), headers, {WorkerRegistered.event_type})

    assert isinstance(decoded, Decoded)
    assert isinstance(decoded.payload, WorkerRegistered)
    assert decoded.payload.commune_code == "03637"


def test_a_rejected_payload_is_named_by_its_field_never_by_its_value() -> None:
    key, value, headers = record(registration("03637", date(2026, 2, 3)))
    data = json.loads(value) | {"registered_on": CITIZEN_ID, "sex": FULL_NAME}

    with pytest.raises(Rejected) as rejected:
        decode_record(key, json.dumps(data).encode(), headers, {WorkerRegistered.event_type})

    assert "registered_on" in rejected.value.reason
    assert "sex" in rejected.value.reason
    assert CITIZEN_ID not in rejected.value.reason
    assert FULL_NAME not in rejected.value.reason
