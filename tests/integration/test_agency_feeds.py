"""The agency feeds on the real PostgreSQL and broker: the feed projection fans a demo-like
load into the feed outbox once (a redelivered batch adds nothing), the feed relay publishes it
to `lmis.agency.*`, and an independent reader (plain kafka-python) finds in each topic exactly
the events and fields the catalogue allows; the pull API pages the same records and refuses
another agency's feed; each feed's records are in the access record.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from uuid import UUID

import asyncpg
import pytest
from kafka import KafkaConsumer

from lmis_notify.adapters.feed_relay import build_feed_relay
from lmis_notify.application.webhooks import NewSubscription
from lmis_notify.bootstrap import bootstrap, migrate
from lmis_notify.entrypoints import processor
from lmis_notify.settings import NotifySettings
from lmis_shared.access.postgres import PostgresAccessLog
from lmis_shared.auth import Principal, Role
from lmis_shared.cloudevents import to_kafka
from lmis_shared.contracts import permits as p
from lmis_shared.contracts import registry as r
from lmis_shared.contracts import registry_loans as loans
from lmis_shared.contracts.feeds import feed_topic, load_catalogue
from lmis_shared.errors import Forbidden
from lmis_shared.processing import Decoded
from lmis_shared.settings import CommonSettings
from tests.conftest import unique
from tests.integration.processors import broker_settings, create_topic, eventually, publish
from tests.unit.alert_examples import Stream, contract_signed, worker_registered

pytestmark = pytest.mark.integration

IN_FEED_COMMUNE, OTHER_COMMUNE = "03388", "03637"


def _load() -> list[Decoded]:
    """Workers of a covered and an uncovered commune, a borrower, a foreign worker."""
    events: list[Decoded] = []
    for commune in (IN_FEED_COMMUNE, OTHER_COMMUNE):
        w = Stream("worker")
        events.append(w.event(worker_registered().model_copy(update={"commune_code": commune})))
        events.append(w.event(contract_signed(date(2026, 12, 31))))
        events.append(w.event(r.WorkerDeparted(departure_date=date(2026, 3, 2), border_gate="NB")))
    borrower, loan = Stream("worker"), Stream("loan")
    events.append(borrower.event(worker_registered()))
    events.append(
        loan.event(
            loans.LoanApplied(
                worker_id=borrower.id,
                purpose=loans.LoanPurpose.going_abroad,
                amount_vnd=100_000_000,
                commune_code=IN_FEED_COMMUNE,
                province_code="12",
                applied_on=date(2026, 2, 1),
            )
        )
    )
    events.append(
        borrower.event(
            r.WorkerReturned(return_date=date(2026, 9, 1), reason=r.ReturnReason.contract_completed)
        )
    )
    fw = Stream("foreign_worker")
    events.append(
        fw.event(
            p.ForeignWorkerRegistered(
                person=p.ForeignPerson(
                    full_name="Kim Min", passport_number="M1234567", date_of_birth=date(1990, 1, 1)
                ),
                sex=r.Sex.male,
                nationality="KR",
                employer_tax_code="0101234567",
                position=p.PositionType.expert,
                commune_code=IN_FEED_COMMUNE,
                province_code="12",
                engaged_on=date(2026, 1, 10),
            )
        )
    )
    return events


def _read_topic(
    bootstrap: str, topic: str
) -> list[tuple[bytes, dict[str, str], dict[str, object]]]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=3000,
    )
    try:
        return [
            (m.key, {k: v.decode() for k, v in m.headers}, json.loads(m.value)) for m in consumer
        ]
    finally:
        consumer.close()


async def publish_feeds(pool: asyncpg.Pool, schema: str, common: CommonSettings) -> None:
    """Everything the feed outbox holds, published by the feed relay to `lmis.agency.*`."""
    relay = await build_feed_relay(pool, schema, common)
    try:
        while await relay.publish_pending():
            pass
    finally:
        await relay.close()


async def test_each_feed_holds_exactly_what_its_purpose_allows_once(
    pg_pool: asyncpg.Pool,
    fresh_schema: str,
    kafka_bootstrap: str,
    database_url: str,
    fresh_topic: str,
    tmp_path: Path,
) -> None:
    common = broker_settings(kafka_bootstrap, database_url, fresh_topic, tmp_path)
    settings = NotifySettings(schema_name=fresh_schema, report_obligations={})
    await migrate(pg_pool, fresh_schema)
    try:
        notify = bootstrap(pg_pool, settings, common)
        load = _load()
        first = await notify.feed_projection.process(load)
        again = await notify.feed_projection.process(load)  # Kafka redelivers the batch
        assert all(first)
        assert not any(again)
        catalogue = load_catalogue().by_name()
        rows = await pg_pool.fetch(
            f"select feed, unit, event_type, stream_id from {fresh_schema}.feed_outbox"
        )
        expected: dict[str, list[tuple[str, UUID]]] = defaultdict(list)
        for d in load:
            meta = d.event.metadata
            for row in rows:
                if row["event_type"] == meta.event_type and row["stream_id"] == meta.stream_id:
                    expected[
                        feed_topic(common.topic_prefix, row["feed"], row["unit"] or None)
                    ].append((meta.event_type, meta.stream_id))
        # the other commune's worker goes to the provincial feeds, never to a commune topic
        assert {t for t in expected if ".commune." in t} == {
            f"{common.topic_prefix}.agency.commune.{IN_FEED_COMMUNE}"
        }
        # the bank hears of its borrower's return, not of the other workers' departures
        bank = expected[f"{common.topic_prefix}.agency.bank"]
        assert {t for t, _ in bank} == {loans.LoanApplied.event_type, r.WorkerReturned.event_type}

        await publish_feeds(pg_pool, fresh_schema, common)

        for topic, wanted in expected.items():
            feed = catalogue[topic.split(".agency.")[1].split(".")[0]]
            got = _read_topic(kafka_bootstrap, topic)
            # every record once, each subject's in source order (partitions are per key)
            received = [(h["ce_type"], UUID(h["ce_subject"])) for _, h, _ in got]
            assert sorted(received) == sorted(wanted)
            for subject in {s for _, s in wanted}:
                assert [x for x in received if x[1] == subject] == [
                    x for x in wanted if x[1] == subject
                ]
            for key, headers, data in got:
                assert key == headers["ce_subject"].encode()
                assert set(data) <= set(feed.event_types[headers["ce_type"]])
                assert headers["ce_actor"] != "officer-1"  # the officer is not the agency's

        police = Principal("p-1", Role.POLICE, "12")
        page = await notify.feeds.page(police, "police", None, 500)
        assert len(page.items) == len(expected[f"{common.topic_prefix}.agency.police"])
        with pytest.raises(Forbidden):
            await notify.feeds.page(police, "bank", None, 10)
        commune = Principal("c-1", Role.COMMUNE_OFFICER, OTHER_COMMUNE)
        assert (await notify.feeds.page(commune, "commune", None, 500)).items == []

        entries = [e.entry async for e in PostgresAccessLog(pg_pool, fresh_schema).entries()]
        received = {(e.actor, s) for e in entries for s in e.subjects}
        for topic, wanted in expected.items():
            name = topic.split(".agency.")[1].split(".")[0]
            assert {(f"feed:{name}", str(s)) for _, s in wanted} <= received

        # a purpose narrowed, then `lmis rebuild notify`'s replay: the feed is derived again
        police_only_departures = catalogue["police"].model_copy(
            update={"event_types": {r.WorkerDeparted.event_type: ("departure_date",)}}
        )
        await pg_pool.execute(
            f"update {fresh_schema}.feeds set definition = $1::jsonb where name = 'police'",
            police_only_departures.model_dump_json(),
        )
        await notify.feed_projection.rebuild([d.event for d in load])
        police_rows = await pg_pool.fetch(
            f"select event_type, data::text from {fresh_schema}.feed_outbox where feed = 'police'"
        )
        assert {row[0] for row in police_rows} == {r.WorkerDeparted.event_type}
        assert all(set(json.loads(row[1])) == {"departure_date"} for row in police_rows)
    finally:
        await pg_pool.execute(f"DROP SCHEMA {fresh_schema} CASCADE")


async def test_the_notify_processor_publishes_the_feeds_and_delivers_webhooks(
    pg_pool: asyncpg.Pool,
    fresh_schema: str,
    kafka_bootstrap: str,
    database_url: str,
    fresh_topic: str,
    tmp_path: Path,
) -> None:
    """The process as `lmis process notify` runs it: agents, feed relay and delivery loop."""
    common = broker_settings(kafka_bootstrap, database_url, fresh_topic, tmp_path)
    create_topic(kafka_bootstrap, common.topic("registry"), 1)
    settings = NotifySettings(
        schema_name=fresh_schema,
        processor_id=unique("lmis-notify-feeds"),
        sources=["registry"],
        report_obligations={},
        webhook_interval_seconds=0.05,
    )
    hooked: list[bytes] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            hooked.append(self.rfile.read(int(self.headers["content-length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    await migrate(pg_pool, fresh_schema)
    stop = asyncio.Event()
    running: asyncio.Task[None] | None = None
    try:
        notify = bootstrap(pg_pool, settings, common)
        url = f"http://127.0.0.1:{receiver.server_port}/hook"
        await notify.subscriptions.register(
            Principal("p-1", Role.POLICE, "12"), NewSubscription("police", url)
        )
        worker = Stream("worker")
        load = [
            worker.event(worker_registered()),
            worker.event(r.WorkerDeparted(departure_date=date(2026, 3, 2), border_gate="NB")),
        ]
        publish(kafka_bootstrap, common.topic("registry"), [to_kafka(d.event) for d in load])
        running = asyncio.create_task(processor.run(common, settings, pg_pool, stop))
        police = feed_topic(common.topic_prefix, "police")

        async def on_topic() -> list[object] | None:
            got = await asyncio.to_thread(_read_topic, kafka_bootstrap, police)
            return got if len(got) == len(load) else None

        records = await eventually(on_topic, "the police feed", worker=running)
        assert [h["ce_id"] for _, h, _ in records] == [  # type: ignore[index]
            str(d.event.metadata.event_id) for d in load
        ]

        async def delivered() -> bool | None:
            return True if len(hooked) >= len(load) else None

        await eventually(delivered, "the webhook deliveries", worker=running)
        assert [json.loads(b)["id"] for b in hooked] == [
            str(d.event.metadata.event_id) for d in load
        ]
    finally:
        stop.set()
        if running is not None:
            await asyncio.wait_for(running, timeout=60)
        receiver.shutdown()
        receiver.server_close()
        await pg_pool.execute(f"DROP SCHEMA {fresh_schema} CASCADE")
