"""Agency feeds: fan-out throughput (source events/s into the feed outbox, with the access
record, for 1, 4 and 16 feeds) and webhook delivery throughput (signed POSTs acknowledged by
a local receiver, for 1 and 4 subscriptions), on a throwaway embedded PostgreSQL.

    .venv/bin/python bench/feeds.py [--events N] [--deliveries N]

The fan-out is measured at the feed projection (decoded events in, outbox rows, subject units
and access entries committed, 500 events a transaction); the feed relay's publishing is the
services' relay, measured in bench/latency.py. `opened`: the shipped feeds over the same
load with every `person` sealed as the registry stores it and opened by the key grant (the
data keys read from a `person_keys` table, unwrapped, AES-GCM), against that load in clear.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import uuid4

from harness import Figures, run_from_command_line
from lmis_cli.embedded import EmbeddedPostgres
from lmis_notify.adapters.key_grant import KeyGrant
from lmis_notify.adapters.webhook_sender import HttpxSender
from lmis_notify.application.feed_ports import ClearPersonalFields
from lmis_notify.application.webhooks import NewSubscription
from lmis_notify.bootstrap import bootstrap, delivery, migrate, with_key_grant
from lmis_notify.settings import NotifySettings
from lmis_shared.auth import Principal, Role
from lmis_shared.contracts import registry as r
from lmis_shared.contracts.feeds import load_catalogue
from lmis_shared.events import EventMetadata, EventPayload, RecordedEvent
from lmis_shared.eventstore.postgres import create_pool
from lmis_shared.privacy import envelope
from lmis_shared.privacy.keys import LocalMasterKey
from lmis_shared.privacy.keystore import KeyRecord
from lmis_shared.privacy.personal import PersonalData
from lmis_shared.privacy.postgres import PostgresKeyStore
from lmis_shared.privacy.postgres import migrate as migrate_keys
from lmis_shared.processing import Decoded
from lmis_shared.settings import CommonSettings

RESULTS = Path(__file__).parent / "results" / "feeds.json"
BATCH = 500
COMMUNES = ("03388", "03390", "03637")


class Stream:
    def __init__(self) -> None:
        self.id, self.version = uuid4(), 0

    def event(self, payload: EventPayload) -> Decoded:
        self.version += 1
        meta = EventMetadata(
            event_id=uuid4(),
            event_type=payload.event_type,
            stream_id=self.id,
            stream_type="worker",
            stream_version=self.version,
            recorded_at=datetime.now(UTC),
            actor="officer-1",
            correlation_id=uuid4(),
            source="/lmis/registry",
        )
        return Decoded(RecordedEvent(metadata=meta, data=payload.model_dump(mode="json")), payload)


def _registered(commune: str) -> r.WorkerRegistered:
    return r.WorkerRegistered(
        person=r.Person(
            full_name="Lò Thị Mai", date_of_birth=date(1998, 4, 12), citizen_id="0" * 12
        ),
        sex=r.Sex.female,
        ethnicity="03",
        commune_code=commune,
        province_code="12",
        registered_on=date(2026, 1, 5),
    )


def _load(events: int) -> list[Any]:
    out: list[Any] = []
    departed = r.WorkerDeparted(departure_date=date(2026, 3, 2), border_gate="NB")
    returned = r.WorkerReturned(return_date=date(2026, 9, 1), reason=r.ReturnReason.sickness)
    while len(out) < events:
        w = Stream()
        out.append(w.event(_registered(COMMUNES[len(out) % len(COMMUNES)])))
        out.append(w.event(departed))
        out.append(w.event(returned))
    return out[:events]


async def _set_feeds(pool: Any, schema: str, count: int) -> None:
    """`count` feeds: the shipped ones, then copies of them under other names."""
    shipped = list(load_catalogue().feeds)
    await pool.execute(f"delete from {schema}.feeds")  # noqa: S608 - a bench schema
    for i in range(count):
        base = shipped[i % len(shipped)]
        feed = base.model_copy(update={"name": f"{base.name}_{chr(97 + i)}"})
        await pool.execute(
            f"insert into {schema}.feeds values ($1, $2::jsonb, 1, 0, now(), 'bench')",  # noqa: S608
            feed.name,
            feed.model_dump_json(),
        )


async def _fan_out(server: EmbeddedPostgres, events: int) -> Figures:
    pool = await create_pool(server.dsn, max_size=4)
    figures: Figures = {}
    common = CommonSettings(database_url=server.dsn, otel_exporter="none")
    try:
        for feeds in (1, 4, 16):
            schema = f"bench_fanout_{feeds}"
            await migrate(pool, schema)
            await _set_feeds(pool, schema, feeds)
            notify = bootstrap(pool, NotifySettings(schema_name=schema), common)
            load = _load(events)
            started = time.perf_counter()
            for i in range(0, len(load), BATCH):
                await notify.feed_projection.process(load[i : i + BATCH])
            elapsed = time.perf_counter() - started
            rows = await pool.fetchval(f"select count(*) from {schema}.feed_outbox")  # noqa: S608
            figures[f"{feeds}_feeds"] = {
                "source_events_per_s": round(events / elapsed),
                "feed_records_per_s": round(rows / elapsed),
                "feed_records": rows,
            }
    finally:
        await pool.close()
    return figures


async def _sealed(pool: Any, personal: PersonalData, load: list[Any]) -> list[Any]:
    """`load` as the registry stores it: each `person` sealed with its worker's data key."""
    keys = {d.event.metadata.stream_id: envelope.new_data_key() for d in load}
    wrap, now = personal.wrapper, datetime.now(UTC)
    await personal.keys.create(
        pool, [KeyRecord(s, wrap.wrap(k), wrap.key_id, now) for s, k in keys.items()]
    )
    out = []
    for d in load:
        meta, data = d.event.metadata, dict(d.event.data)
        if "person" in data:
            aad = envelope.associated_data(meta.event_type, meta.stream_id, "person")
            data["person"] = envelope.seal(
                keys[meta.stream_id], meta.stream_id, data["person"], aad
            )
        out.append(Decoded(d.event.model_copy(update={"data": data}), d.payload))
    return out


async def _fan_out_opened(server: EmbeddedPostgres, events: int) -> Figures:
    pool = await create_pool(server.dsn, max_size=4)
    common = CommonSettings(database_url=server.dsn, otel_exporter="none")
    personal = PersonalData(PostgresKeyStore("bench_registry"), LocalMasterKey(os.urandom(32)))
    await migrate_keys(pool, "bench_registry")
    figures: Figures = {}
    try:
        clear = (ClearPersonalFields(), _load(events))
        sealed = (
            KeyGrant(pool, {"registry": personal}),
            await _sealed(pool, personal, _load(events)),
        )
        for name, (grant, load) in {"clear": clear, "sealed": sealed}.items():
            schema = f"bench_opened_{name}"
            settings = NotifySettings(schema_name=schema)
            await migrate(pool, schema)
            notify = with_key_grant(
                bootstrap(pool, settings, common), pool, settings, common, grant
            )
            started = time.perf_counter()
            for i in range(0, len(load), BATCH):
                await notify.feed_projection.process(load[i : i + BATCH])
            elapsed = time.perf_counter() - started
            rows = await pool.fetchval(f"select count(*) from {schema}.feed_outbox")  # noqa: S608
            figures[name] = {
                "source_events_per_s": round(events / elapsed),
                "feed_records_per_s": round(rows / elapsed),
            }
    finally:
        await pool.close()
    return figures


class _Ok(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


async def _webhooks(server: EmbeddedPostgres, deliveries: int) -> Figures:
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_port}/hook"
    pool = await create_pool(server.dsn, max_size=4)
    sender = HttpxSender(10.0, ())
    figures: Figures = {}
    common = CommonSettings(database_url=server.dsn, otel_exporter="none")
    police = Principal("bench", Role.POLICE, "12")
    try:
        for subscriptions in (1, 4):
            schema = f"bench_hooks_{subscriptions}"
            settings = NotifySettings(schema_name=schema)
            await migrate(pool, schema)
            notify = bootstrap(pool, settings, common)
            for _ in range(subscriptions):
                await notify.subscriptions.register(police, NewSubscription("police", url))
            load = _load(deliveries // subscriptions)
            for i in range(0, len(load), BATCH):
                await notify.feed_projection.process(load[i : i + BATCH])
            wanted = await pool.fetchval(
                f"select count(*) from {schema}.feed_outbox where feed = 'police'"  # noqa: S608
            )
            loop = delivery(pool, settings, notify, sender)
            started, done = time.perf_counter(), 0
            while done < wanted * subscriptions:
                done += await loop.round()
            elapsed = time.perf_counter() - started
            figures[f"{subscriptions}_subscriptions"] = {
                "deliveries": done,
                "deliveries_per_s": round(done / elapsed),
            }
    finally:
        await sender.close()
        await pool.close()
        receiver.shutdown()
        receiver.server_close()
    return figures


async def measure(server: EmbeddedPostgres, events: int, deliveries: int) -> Figures:
    return {
        "fan_out": await _fan_out(server, events),
        "opened": await _fan_out_opened(server, events),
        "webhooks": await _webhooks(server, deliveries),
        "events": events,
    }


def main() -> None:
    run_from_command_line(
        __doc__,
        {"events": 6000, "deliveries": 1200},
        lambda server, args: measure(server, args.events, args.deliveries),
        RESULTS,
        with_machine=True,
    )


if __name__ == "__main__":
    main()
