"""HTTP command -> indicator moved, and -> alert raised, on this machine (issue 14).

What runs, in this process as in bench/pipeline.py: the registry's app (in-process, over httpx's
ASGI transport), the registry's relay, the reporting processor and the notify processor, on an
embedded PostgreSQL and broker of their own. The command is `report-absconded` on a departed
worker: it moves the `absconded` indicator (reporting) and raises an `absconded` alert (notify)
at once, so each command gives both latencies.

Side by side in the same run, each with topics and read schemas of its own:
  * `wake_on_commit` (now): the relay woken by the store's commit signal (LISTEN/NOTIFY), the
    processors' fetch wait `LMIS_PROCESSING_FETCH_MAX_WAIT_MS` (25 ms);
  * `polling` (before): the relay polling every 200 ms, faust's fixed 1500 ms fetch wait;
  * the floor of the first hop: an append to an event store until a listener has its NOTIFY.
Each sends `--commands` commands at a realistic pace (one every 20-50 ms, at random, none
waiting for the one before), after `--warmup` not counted. A reader polls every 2 ms for the
streams whose indicator moved (reporting's positions commit in the counts' transaction) and
whose alert is raised (notify's `alerts`). Where the time goes comes from the same commands'
spans (`latency_budget.py`). Results: bench/results/latency.json.

    .venv/bin/python bench/latency.py [--commands 200] [--warmup 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from harness import write_figures
from latency_budget import Collector, Sample, budget, summary, table
from lmis_cli.embedded import EmbeddedBroker, EmbeddedPostgres, free_port, running
from lmis_notify.adapters.projection import DeadlineProjection
from lmis_notify.bootstrap import migrate as migrate_notify
from lmis_notify.entrypoints.processor import build_processor as notify_processor
from lmis_notify.settings import NotifySettings
from lmis_registry.bootstrap import migrate as migrate_registry
from lmis_registry.entrypoints.http import create_app
from lmis_registry.settings import RegistrySettings
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.bootstrap import migrate as migrate_reporting
from lmis_reporting.entrypoints.processor import build_processor as reporting_processor
from lmis_reporting.settings import ReportingSettings
from lmis_shared.auth import ensure_local_keypair, issue_token
from lmis_shared.clock import FixedClock
from lmis_shared.events import NewEvent
from lmis_shared.eventstore import StreamAppend
from lmis_shared.eventstore.postgres import PostgresEventStore, create_pool
from lmis_shared.processing import serve
from lmis_shared.relay import RelaySettings, build_relay
from lmis_shared.relay import migrate as migrate_relay
from lmis_shared.relay.wakeup import commit_channel
from lmis_shared.settings import CommonSettings
from pipeline import context, machine, registration

RESULTS = Path(__file__).parent / "results" / "latency.json"
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
PACE_MS = (20, 50)
REGISTRY = "registry"  # notify's feed key grant reads the producer's schema by its name
PERSON = {
    "full_name": "Lò Thị Mai",
    "date_of_birth": "1998-04-12",
    "sex": "female",
    "ethnicity": "Thái",
    "commune_code": "03637",
    "priority_groups": ["ethnic_minority"],
    "registered_on": "2025-11-02",
}
CONTRACT = {
    "destination_country": "KR",
    "programme": "korea_eps",
    "sending_organisation": {
        "kind": "licensed_enterprise",
        "name": "Công ty Cổ phần Nhân lực Sona",
        "licence_number": "123/LĐTBXH-GP",
    },
    "employer": "Hanil Manufacturing Co.",
    "sector": "manufacturing",
    "start_date": "2026-01-05",
    "duration_months": 36,  # ends after NOW: no overdue-return alert falls due meanwhile
    "monthly_salary_vnd": 42_000_000,
    "fees_vnd": {"service_fee": 650_000, "deposit": 100_000_000},
    "signed_on": "2025-12-01",
}
DEPART = {"departure_date": "2026-01-10", "border_gate": "Nội Bài"}
ABSCOND = {"date": "2026-11-01", "source": "employer"}
ABSCONDED_VERSION = 4  # registered, contract signed, departed, absconded


@dataclass(frozen=True)
class Config:
    name: str
    relay: RelaySettings
    fetch_max_wait_ms: int


CONFIGS = (
    Config("wake_on_commit", RelaySettings(), 25),
    Config("polling", RelaySettings(wake_on_commit=False, poll_interval=0.2), 1500),
)


@dataclass
class Platform:
    pool: asyncpg.Pool
    common: CommonSettings
    client: httpx.AsyncClient
    headers: dict[str, str]
    provider: TracerProvider
    collector: Collector


@contextlib.contextmanager
def fetch_wait(ms: int) -> Iterator[None]:
    """The processors built inside read this fetch wait (`LMIS_PROCESSING_FETCH_MAX_WAIT_MS`)."""
    name = "LMIS_PROCESSING_FETCH_MAX_WAIT_MS"
    before = os.environ.get(name)
    os.environ[name] = str(ms)
    try:
        yield
    finally:
        os.environ.pop(name) if before is None else os.environ.__setitem__(name, before)


async def departed_workers(p: Platform, first: int, count: int) -> list[UUID]:
    """`count` worker files taken to `departed` through the API (not measured)."""
    gate = asyncio.Semaphore(4)

    async def one(i: int) -> UUID:
        async with gate:
            body = PERSON | {"citizen_id": f"012198{i:06d}"}
            created = await p.client.post("/v1/workers", json=body, headers=p.headers)
            created.raise_for_status()
            worker = created.json()["id"]
            for name, step in (("sign-contract", CONTRACT), ("record-departure", DEPART)):
                answer = await p.client.post(
                    f"/v1/workers/{worker}/{name}", json=step, headers=p.headers
                )
                answer.raise_for_status()
            return UUID(worker)

    return list(await asyncio.gather(*(one(i) for i in range(first, first + count))))


async def drive(p: Platform, workers: list[UUID], reporting: str, notify: str) -> list[Sample]:
    """Send the commands at the pace, and watch for each one's indicator and alert."""
    projection = IndicatorProjection.name
    moved_sql = (
        f"select stream_id from {reporting}.projection_positions"  # noqa: S608
        " where projection = $2 and version >= $3 and stream_id = any($1::uuid[])"
    )
    raised_sql = (
        f"select subject_id from {notify}.alerts"  # noqa: S608
        " where rule = 'absconded' and subject_id = any($1::uuid[])"
    )
    sent: dict[UUID, int] = {}
    moved: dict[UUID, int] = {}
    raised: dict[UUID, int] = {}
    rnd = random.Random(14)

    async def watch() -> None:
        deadline = time.monotonic() + 120
        while (len(moved) < len(workers) or len(raised) < len(workers)) and (
            time.monotonic() < deadline
        ):
            waiting = [w for w in sent if w not in moved]
            if waiting:
                rows = await p.pool.fetch(moved_sql, waiting, projection, ABSCONDED_VERSION)
                now = time.time_ns()
                moved.update((r[0], now) for r in rows)
            waiting = [w for w in sent if w not in raised]
            if waiting:
                rows = await p.pool.fetch(raised_sql, waiting)
                now = time.time_ns()
                raised.update((r[0], now) for r in rows)
            await asyncio.sleep(0.002)

    async def send(worker: UUID) -> None:
        sent[worker] = time.time_ns()
        url = f"/v1/workers/{worker}/report-absconded"
        (await p.client.post(url, json=ABSCOND, headers=p.headers)).raise_for_status()

    watching = asyncio.create_task(watch())
    sending = []
    for worker in workers:
        await asyncio.sleep(rnd.uniform(*PACE_MS) / 1000)
        sending.append(asyncio.create_task(send(worker)))
    await asyncio.gather(*sending)
    await watching
    traces = trace_ids(p.collector)
    return [
        Sample(sent[w], traces.get(w), moved.get(w), raised.get(w)) for w in workers if w in sent
    ]


def trace_ids(collector: Collector) -> dict[UUID, int]:
    """Each absconded stream's trace, from its publish span's attributes."""
    found: dict[UUID, int] = {}
    for spans in collector.by_trace().values():
        for span in spans:
            a = span.attributes or {}
            if span.name.startswith("relay.publish") and a.get("lmis.stream.version") == 4:
                assert span.context is not None
                found[UUID(str(a["lmis.stream.id"]))] = span.context.trace_id
    return found


async def caught_up(p: Platform, reporting: str, notify: str, total: int) -> None:
    """Every setup event applied by both processors (their groups joined, the backlog done)."""
    projection = IndicatorProjection.name
    for _ in range(1200):
        applied = await p.pool.fetchval(
            f"select count(*) from {reporting}.projection_positions"  # noqa: S608
            " where projection = $1 and version >= 3",
            projection,
        )
        subjects = await p.pool.fetchval(f"select count(*) from {notify}.alert_subjects")  # noqa: S608
        if applied >= total and subjects >= total:
            await asyncio.sleep(1.0)  # the notify agents' positions settle too
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("the processors never caught up with the setup")


async def phase(
    p: Platform, config: Config, workers: list[UUID], total: int, warmup: int
) -> dict[str, Any]:
    prefix = f"bench-{config.name.replace('_', '-')}-{uuid4().hex[:6]}"
    common = p.common.model_copy(update={"topic_prefix": prefix})
    reporting, notify = f"lat_reporting_{config.name}", f"lat_notify_{config.name}"
    await migrate_reporting(p.pool, reporting)
    await migrate_notify(p.pool, notify)
    relay = build_relay(
        p.pool, REGISTRY, bootstrap=common.kafka_bootstrap, topic=common.topic("registry"),
        database_url=common.database_url, settings=config.relay,
        tracer=p.provider.get_tracer("lmis_shared.relay"),
    )  # fmt: skip
    with fetch_wait(config.fetch_max_wait_ms):
        counting = reporting_processor(
            common,
            ReportingSettings(
                schema_name=reporting, processor_id=prefix + "-reporting",
                processor_sources=["registry"],
            ),
            p.pool,
            tracer_provider=p.provider,
        )  # fmt: skip
        alerting, sweeper = notify_processor(
            common,
            NotifySettings(
                schema_name=notify, processor_id=prefix + "-notify", sources=["registry"],
                sweep_interval_seconds=3600, report_obligations={},
            ),
            p.pool,
            FixedClock(NOW),
            p.provider,
        )  # fmt: skip
    await sweeper.sync_obligations()
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(relay.run(stop)),
        asyncio.create_task(serve(counting, stop)),
        asyncio.create_task(serve(alerting, stop)),
    ]
    try:
        await caught_up(p, reporting, notify, total)
        p.collector.clear()
        samples = (await drive(p, workers, reporting, notify))[warmup:]
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        await relay.close()
    return figures(samples, p.collector)


def figures(samples: list[Sample], collector: Collector) -> dict[str, Any]:
    moved = [(s.indicator_ns - s.sent_ns) / 1e6 for s in samples if s.indicator_ns]
    raised = [(s.alert_ns - s.sent_ns) / 1e6 for s in samples if s.alert_ns]
    return {
        "commands": len(samples),
        "http_to_indicator": summary(moved) | {"seen": len(moved)},
        "http_to_alert": summary(raised) | {"seen": len(raised)},
        "budget_indicator": budget(samples, collector, IndicatorProjection.name, alert=False),
        "budget_alert": budget(samples, collector, DeadlineProjection.name, alert=True),
    }


async def floor(pool: asyncpg.Pool, dsn: str, commands: int) -> dict[str, float]:
    """An append to an event store until a listener on another connection has its NOTIFY."""
    schema = "lat_floor"
    await PostgresEventStore.migrate(pool, schema)
    store = PostgresEventStore(pool, schema)
    heard: asyncio.Queue[float] = asyncio.Queue()
    listener = await asyncpg.connect(dsn)
    await listener.add_listener(
        commit_channel(schema), lambda *_: heard.put_nowait(time.perf_counter())
    )
    rnd, samples = random.Random(7), []
    try:
        for i in range(commands):
            await asyncio.sleep(rnd.uniform(*PACE_MS) / 1000)
            event = NewEvent(event_id=uuid4(), payload=registration(i, rnd))
            started = time.perf_counter()
            await store.append_stream(StreamAppend(uuid4(), "worker", 0, [event], context()), None)
            samples.append((await heard.get() - started) * 1000)
    finally:
        await listener.close()
    return summary(samples)


# -- the run ----------------------------------------------------------------------------------


async def measure(
    args: argparse.Namespace, pg: EmbeddedPostgres, broker: EmbeddedBroker
) -> dict[str, Any]:
    pool = await create_pool(pg.dsn, min_size=4, max_size=12)
    collector = Collector()
    provider = TracerProvider()
    provider.add_span_processor(collector.processor)
    trace.set_tracer_provider(provider)  # the event store's append span, and every other
    try:
        with tempfile.TemporaryDirectory() as tmp:
            private, public = ensure_local_keypair(Path(tmp) / "keys")
            common = CommonSettings(
                database_url=pg.dsn, kafka_bootstrap=broker.bootstrap, data_dir=Path(tmp),
                otel_exporter="none", jwt_public_key_file=public, jwt_issuer="bench",
                write_rate_per_minute=1e9, write_burst=10**9,
            )  # fmt: skip
            token = issue_token(
                private, subject="bench", role="admin", scope="12", issuer="bench",
                audience="lmis", ttl=timedelta(hours=2),
            )  # fmt: skip
            await migrate_registry(pool, REGISTRY)
            await migrate_relay(pool, REGISTRY)
            app: FastAPI = create_app(
                common, RegistrySettings(schema_name=REGISTRY), clock=FixedClock(NOW)
            )
            app.state.tracer_provider.add_span_processor(collector.processor)  # the HTTP spans
            per_phase = args.commands + args.warmup
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app), base_url="http://r"
                ) as client,
            ):
                p = Platform(
                    pool, common, client, {"Authorization": f"Bearer {token}"}, provider, collector
                )
                workers = await departed_workers(p, 0, per_phase * len(CONFIGS))
                results: dict[str, Any] = {}
                for i, config in enumerate(CONFIGS):
                    mine = workers[i * per_phase : (i + 1) * per_phase]
                    results[config.name] = await phase(p, config, mine, len(workers), args.warmup)
            results["floor_append_to_notify"] = await floor(pool, pg.dsn, args.commands)
            return results
    finally:
        await pool.close()


def ratios(results: dict[str, Any]) -> dict[str, float]:
    now, before = results["wake_on_commit"], results["polling"]
    out = {}
    for latency in ("http_to_indicator", "http_to_alert"):
        for q in ("p50_ms", "p99_ms"):
            out[f"{latency}_{q[:3]}_before_over_now"] = round(
                before[latency][q] / now[latency][q], 1
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pg = EmbeddedPostgres(Path(tmp) / "pg", free_port())
        broker = EmbeddedBroker(free_port(), Path(tmp) / "broker.log")
        with running(pg, broker):
            results = asyncio.run(measure(args, pg, broker))
    for name in (c.name for c in CONFIGS):
        for kind in ("indicator", "alert"):
            print(table(f"{name} -> {kind}", results[name][f"budget_{kind}"]))
    figures_ = {
        "measured_at": datetime.now(UTC).isoformat(),
        "machine": machine(),
        "pace_ms_between_commands": list(PACE_MS),
        **results,
        "ratios": ratios(results),
    }
    write_figures(args.out, figures_)
    print(json.dumps({k: v for k, v in figures_.items() if not k.startswith("budget")}, indent=2))


if __name__ == "__main__":
    main()
