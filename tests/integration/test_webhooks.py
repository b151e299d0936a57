"""Webhooks end to end on the real PostgreSQL, with a receiver on a local HTTP server: a
receiver that fails its first attempts receives every record once it recovers, in order, each
verified with the `standardwebhooks` library; a delivery loop restarted mid-way loses nothing;
repeated failures pause the subscription and raise an alert; a rotated secret overlaps; replay
goes back in time; and over HTTP an agency cannot see another agency's feed or subscriptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from lmis_notify.adapters.webhook_sender import HttpxSender
from lmis_notify.application.delivery import deliver_until
from lmis_notify.application.webhooks import NewSubscription
from lmis_notify.bootstrap import bootstrap, delivery, migrate
from lmis_notify.entrypoints.http import create_app
from lmis_notify.settings import NotifySettings
from lmis_shared.auth import Principal, Role
from lmis_shared.contracts import registry as r
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.processing import all_events
from lmis_shared.settings import CommonSettings
from tests.integration.apps import app_client, bearer, signed_settings
from tests.unit.alert_examples import Stream, worker_registered

pytestmark = pytest.mark.integration

POLICE = Principal("police-desk", Role.POLICE, "12")


@dataclass
class Receiver:
    """Answers 503 to its first `fail_first` requests, then 200; keeps what it got."""

    fail_first: int = 0
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""
    hold: threading.Event | None = None
    """While set to an unset event, the first request waits for it (a delivery in flight)."""
    arrived: threading.Event = field(default_factory=threading.Event)

    def answered(self) -> list[tuple[dict[str, str], bytes]]:
        return self.requests[self.fail_first :]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    got = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            got.arrived.set()
            if got.hold is not None:
                got.hold.wait(10)
            got.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            failing = len(got.requests) <= got.fail_first
            self.send_response(503 if failing else 200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    got.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield got
    server.shutdown()
    server.server_close()


def _settings(schema: str, **webhook: Any) -> NotifySettings:
    return NotifySettings(
        schema_name=schema,
        report_obligations={},
        webhook_backoff_base_seconds=0.01,
        webhook_backoff_cap_seconds=0.02,
        **webhook,
    )


def _workers(n: int) -> list[Any]:
    events = []
    for _ in range(n):
        w = Stream("worker")
        events.append(w.event(worker_registered().model_copy(update={"commune_code": "03388"})))
        events.append(
            w.event(r.WorkerDeparted(departure_date=datetime(2026, 3, 2).date(), border_gate="NB"))
        )
    return events


@dataclass
class World:
    pool: asyncpg.Pool
    settings: NotifySettings
    common: CommonSettings
    sender: HttpxSender

    def notify(self) -> Any:
        return bootstrap(self.pool, self.settings, self.common)

    def loop(self, notify: Any = None) -> Any:
        return delivery(self.pool, self.settings, notify or self.notify(), self.sender)

    async def police_subscribed(self, receiver: Receiver) -> tuple[Any, Any]:
        """notify's use cases, and the police's new subscription delivering to `receiver`."""
        notify = self.notify()
        return notify, await notify.subscriptions.register(
            POLICE, NewSubscription("police", receiver.url)
        )


@contextlib.asynccontextmanager
async def world(pool: asyncpg.Pool, schema: str, data_dir: Path, **webhook: Any) -> Any:
    """notify migrated in `schema`, its webhook settings quick to retry, an HTTP sender."""
    common = CommonSettings(
        database_url="postgresql://unused", data_dir=data_dir, otel_exporter="none"
    )
    await migrate(pool, schema)
    sender = HttpxSender(5.0, ())
    try:
        yield World(pool, _settings(schema, **webhook), common, sender)
    finally:
        await sender.close()
        await pool.execute(f"DROP SCHEMA {schema} CASCADE")


async def _deliver_all(loop: Any, receiver: Receiver, wanted: int, rounds: int = 400) -> None:
    for _ in range(rounds):
        await loop.round()
        if len(receiver.answered()) >= wanted:
            return
        await _tick()
    raise AssertionError(f"{len(receiver.answered())} of {wanted} delivered")


async def _tick() -> None:
    await asyncio.sleep(0.02)


async def test_a_failing_receiver_gets_everything_in_order_once_it_recovers(
    pg_pool: asyncpg.Pool, fresh_schema: str, receiver: Receiver, tmp_path: Path
) -> None:
    async with world(pg_pool, fresh_schema, tmp_path, webhook_pause_after=50) as w:
        notify, sub = await w.police_subscribed(receiver)
        load = _workers(4)
        await notify.feed_projection.process(load)
        receiver.fail_first = 3
        first = w.loop(notify)
        await _deliver_all(first, receiver, 3)  # 3 failures, then some delivered
        # the loop restarts mid-way: a new one reads the state PostgreSQL kept
        second = w.loop()
        await _deliver_all(second, receiver, len(load))

        hook = Webhook(sub.secret)
        received = [hook.verify(body, headers) for headers, body in receiver.answered()]
        ids = [headers["webhook-id"] for headers, _ in receiver.answered()]
        assert len(ids) == len(set(ids)) == len(load)  # each once after recovery
        assert [e["id"] for e in received] == [str(d.event.metadata.event_id) for d in load]
        # the failed attempts carried the same id as the delivery that succeeded
        assert {h["webhook-id"] for h, _ in receiver.requests[:3]} == {ids[0]}
        for event in received:
            assert set(event["data"]) <= set(
                ("person", "commune_code", "province_code", "departure_date", "border_gate")
            )
        with pytest.raises(WebhookVerificationError):
            Webhook("whsec_" + "A" * 44).verify(*reversed(receiver.answered()[0]))
        log = await notify.subscriptions.deliveries(POLICE, sub.id, 100)
        assert [a.delivered for a in reversed(log)] == [False] * 3 + [True] * len(load)

        # rotation: both secrets sign until the overlap ends
        rotated = await notify.subscriptions.rotate_secret(POLICE, sub.id)
        replayed = await notify.subscriptions.replay(
            POLICE, sub.id, datetime(2020, 1, 1, tzinfo=UTC)
        )
        assert replayed.failures == 0
        before = len(receiver.requests)
        await second.round()
        headers, body = receiver.requests[before]
        assert headers["webhook-signature"].count("v1,") == 2
        Webhook(rotated.secret).verify(body, headers)
        Webhook(sub.secret).verify(body, headers)
        assert json.loads(body)["id"] == str(load[0].event.metadata.event_id)  # from the start


async def test_repeated_failures_pause_the_subscription_with_an_alert_and_resume_goes_on(
    pg_pool: asyncpg.Pool, fresh_schema: str, receiver: Receiver, tmp_path: Path
) -> None:
    async with world(pg_pool, fresh_schema, tmp_path, webhook_pause_after=2) as w:
        notify, sub = await w.police_subscribed(receiver)
        await notify.feed_projection.process(_workers(1))
        receiver.fail_first = 1000
        loop = w.loop(notify)
        for _ in range(50):
            await loop.round()
            await _tick()
        assert len(receiver.requests) == 2  # paused after the second failure: no more tries
        paused = await notify.subscriptions.get(POLICE, sub.id)
        assert paused.status.value == "paused"
        raised = [
            e
            async for e in all_events(PostgresEventStore(pg_pool, fresh_schema))
            if e.event_type == "lmis.notify.alert.raised.v1"
        ]
        assert [(e.data["rule"], e.data["subject_id"]) for e in raised] == [
            ("webhook_paused", str(sub.id))
        ]
        receiver.fail_first = 0
        resumed = await notify.subscriptions.resume(POLICE, sub.id)
        assert resumed.status.value == "active"
        await loop.round()  # the record that failed, then the next one
        ids = [h["webhook-id"] for h, _ in receiver.requests]
        assert len(ids) == 4
        assert ids[0] == ids[1] == ids[2] != ids[3]


async def test_an_agency_reads_neither_another_agency_s_feed_nor_its_subscriptions(
    pg_pool: asyncpg.Pool, database_url: str, fresh_schema: str, tmp_path: Path
) -> None:
    common, key = signed_settings(database_url, tmp_path)
    await migrate(pg_pool, fresh_schema)
    try:
        app = create_app(common, NotifySettings(schema_name=fresh_schema))
        async with app_client(app, "http://notify") as client:
            police, bank = bearer(key, "police", "12"), bearer(key, "bank", "12")
            feeds = (await client.get("/v1/feeds", headers=bank)).json()
            assert {f["definition"]["name"] for f in feeds} >= {"police", "bank", "commune"}
            assert (await client.get("/v1/feeds/police/events", headers=bank)).status_code == 403
            assert (await client.get("/v1/feeds/bank/events", headers=bank)).status_code == 200
            assert (await client.get("/v1/feeds/nope/events", headers=bank)).status_code == 404
            body = {"url": "http://127.0.0.1:9/hook", "feed": "police"}
            assert (
                await client.post("/v1/subscriptions", json=body, headers=bank)
            ).status_code == 403
            made = await client.post("/v1/subscriptions", json=body, headers=police)
            assert made.status_code == 201
            assert made.json()["secret"].startswith("whsec_")
            sub = made.json()["id"]
            assert (await client.get(f"/v1/subscriptions/{sub}", headers=bank)).status_code == 404
            assert (
                await client.get(f"/v1/subscriptions/{sub}/deliveries", headers=bank)
            ).status_code == 404
            assert (await client.get("/v1/subscriptions", headers=bank)).json() == []
            mine = (await client.get("/v1/subscriptions", headers=police)).json()
            assert [s["id"] for s in mine] == [sub]
            assert mine[0]["secret"] is None  # answered once
            # a purpose changes only by an admin, and the change is an event (who, what)
            police_feed = next(f for f in feeds if f["definition"]["name"] == "police")
            narrower = {**police_feed["definition"], "purpose": "Exit and entry only."}
            narrower["event_types"] = {
                r.WorkerDeparted.event_type: ["departure_date", "border_gate"]
            }
            refused_change = await client.put("/v1/feeds/police", json=narrower, headers=police)
            assert refused_change.status_code == 403
            admin = bearer(key, "admin", "12", subject="admin-7")
            changed = await client.put("/v1/feeds/police", json=narrower, headers=admin)
            assert changed.status_code == 201, changed.text
            served = (await client.get("/v1/feeds", headers=bank)).json()
            now_police = next(f for f in served if f["definition"]["name"] == "police")
            assert now_police["definition"]["purpose"] == "Exit and entry only."
            assert now_police["defined_by"] == "admin-7"
            defined = [
                e
                async for e in all_events(PostgresEventStore(pg_pool, fresh_schema))
                if e.event_type == "lmis.notify.feed.defined.v1"
            ]
            assert [(e.metadata.actor, e.data["definition"]["purpose"]) for e in defined] == [
                ("admin-7", "Exit and entry only.")
            ]
            bad = {"url": "ftp://127.0.0.1/hook", "feed": "police"}
            refused = await client.post("/v1/subscriptions", json=bad, headers=police)
            assert refused.status_code == 422
            assert "ftp" not in refused.text
    finally:
        await pg_pool.execute(f"DROP SCHEMA {fresh_schema} CASCADE")


async def test_a_delivery_loop_stopped_while_a_delivery_is_in_flight_loses_nothing(
    pg_pool: asyncpg.Pool, fresh_schema: str, receiver: Receiver, tmp_path: Path
) -> None:
    async with world(pg_pool, fresh_schema, tmp_path) as w:
        notify, _ = await w.police_subscribed(receiver)
        load = _workers(3)
        await notify.feed_projection.process(load)
        receiver.hold = threading.Event()
        stop = asyncio.Event()
        loop = w.loop(notify)
        running = asyncio.create_task(deliver_until(loop, stop, 0.01))
        await asyncio.to_thread(receiver.arrived.wait, 10)
        running.cancel()  # the process dies with the first POST unanswered
        with contextlib.suppress(asyncio.CancelledError):
            await running
        receiver.hold.set()
        receiver.hold = None
        restarted = w.loop()
        await _deliver_all(restarted, receiver, len(load) + 1)
        ids = [h["webhook-id"] for h, _ in receiver.requests]
        wanted = [f"police.{d.event.metadata.event_id}" for d in load]
        assert ids[0] == ids[1] == wanted[0]  # at least once: the unanswered one again
        assert ids[1:] == wanted  # then every record, in order, none lost
