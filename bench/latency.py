"""HTTP command -> indicator moved, and -> alert raised, on this machine (issue 14).

What runs is what `make up` runs, as processes of their own on an embedded PostgreSQL and broker
started for the run: the registry's API (uvicorn), its relay, the reporting processor and the
notify processor (`python -m lmis_cli serve|relay|process`), each exporting its spans to
`<data_dir>/traces`. The command is `report-absconded` on a departed worker: it moves the
`absconded` indicator (reporting) and raises an `absconded` alert (notify) at once, so each
command gives both latencies.

Side by side in the same run, each on a fresh platform:
  * `wake_on_commit` (now): the relay woken by the store's commit signal (LISTEN/NOTIFY), the
    processors' fetch wait `LMIS_PROCESSING_FETCH_MAX_WAIT_MS` (25 ms);
  * `polling` (before): the relay polling every 200 ms, faust's fixed 1500 ms fetch wait;
  * the first hop's floors, on the same PostgreSQL: an append until a listener hears its NOTIFY;
    commit -> publish of a woken relay alone, and next to one other writer holding a
    transaction id 20-80 ms at a time: of another schema (the store's horizon does not wait
    for it; the cluster-wide rule it replaced, measured too, did) or of the store's own schema
    (the gap-safe rule waits for it), `latency_relay.py`.
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
import os
import random
import signal
import subprocess
import sys
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

from harness import write_figures
from latency_budget import Sample, budget, spans_by_trace, summary, table
from latency_relay import commit_to_publish
from lmis_cli.embedded import EmbeddedBroker, EmbeddedPostgres, free_port, running
from lmis_notify.adapters.projection import DeadlineProjection
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_shared.auth import ensure_local_keypair, issue_token
from lmis_shared.events import NewEvent
from lmis_shared.eventstore import StreamAppend
from lmis_shared.eventstore.postgres import PostgresEventStore, create_pool
from lmis_shared.eventstore.signal import commit_channel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' request bodies
from tests.integration.worker_api import SIGN_CONTRACT

from pipeline import context, machine, registration

RESULTS = Path(__file__).parent / "results" / "latency.json"
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
PACE_MS = (20, 50)
FLOORS = (("0_writers", 0, False, False), ("1_writer_elsewhere", 1, False, False))
FLOORS += (("1_writer_elsewhere_cluster_wide_rule", 1, False, True),)
FLOORS += (("1_writer_of_the_store", 1, True, False),)
"""The relay's floors (`latency_relay.py`): no other writer; one of another schema, with the
store's horizon and with the cluster-wide rule it replaced; one that touched the store's
schema (a transaction of the same service)."""
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
# a contract that ends after today: no overdue-return alert falls due during the run
CONTRACT = SIGN_CONTRACT | {"start_date": "2026-01-05", "signed_on": "2025-12-01"}
DEPART = {"departure_date": "2026-01-10", "border_gate": "Nội Bài"}
ABSCOND = {"date": "2026-11-01", "source": "employer"}
ABSCONDED_VERSION = 4  # registered, contract signed, departed, absconded


@dataclass(frozen=True)
class Config:
    name: str
    environment: dict[str, str]


CONFIGS = (
    Config("wake_on_commit", {"LMIS_PROCESSING_FETCH_MAX_WAIT_MS": "25"}),
    Config(
        "polling",
        {
            "LMIS_RELAY_WAKE_ON_COMMIT": "false",
            "LMIS_RELAY_POLL_INTERVAL": "0.2",
            "LMIS_PROCESSING_FETCH_MAX_WAIT_MS": "1500",
        },
    ),
)
PROCESSES = (("registry", "serve"), ("registry-relay", "relay"), ("reporting", "process"))
PROCESSES += (("notify", "process"),)


@dataclass
class Platform:
    pool: asyncpg.Pool
    client: httpx.AsyncClient
    headers: dict[str, str]
    data_dir: Path


def environment(
    pg: EmbeddedPostgres, broker: EmbeddedBroker, data: Path, port: int
) -> dict[str, str]:
    _, public = ensure_local_keypair(data / "keys")
    return os.environ | {
        "LMIS_MODE": "embedded",
        "LMIS_DATA_DIR": str(data),
        "LMIS_DATABASE_URL": pg.dsn,
        "LMIS_KAFKA_BOOTSTRAP": broker.bootstrap,
        "LMIS_JWT_PUBLIC_KEY_FILE": str(public),
        "LMIS_OTEL_EXPORTER": "jsonl",
        "LMIS_LOG_LEVEL": "WARNING",
        "LMIS_REGISTRY_PORT": str(port),
        "LMIS_WRITE_RATE_PER_MINUTE": "1000000000",
        "LMIS_WRITE_BURST": "1000000000",
        "LMIS_REPORTING_PROCESSOR_SOURCES": '["registry"]',
        "LMIS_NOTIFY_SOURCES": '["registry"]',
        "LMIS_NOTIFY_REPORT_OBLIGATIONS": "{}",
        "LMIS_NOTIFY_SWEEP_INTERVAL_SECONDS": "3600",
    }


@contextlib.contextmanager
def processes(
    env: dict[str, str], logs: Path, names: tuple[tuple[str, str], ...]
) -> Iterator[None]:
    """The processes started (each in a group of its own), then stopped with SIGTERM, so each
    flushes its spans."""
    logs.mkdir(parents=True, exist_ok=True)
    started = []
    try:
        for name, command in names:
            service = name.removesuffix("-relay")
            with (logs / f"{name}.log").open("ab") as log:
                started.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "lmis_cli", command, service],
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        yield
    finally:
        for proc in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in started:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


async def ready(client: httpx.AsyncClient) -> None:
    for _ in range(600):
        with contextlib.suppress(httpx.HTTPError):
            if (await client.get("/readyz")).status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise TimeoutError("the registry never became ready")


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


async def drive(p: Platform, workers: list[UUID]) -> list[Sample]:
    """Send the commands at the pace, each in a trace of its own, and watch for each one's
    indicator and alert."""
    moved_sql = (
        "select stream_id from reporting.projection_positions"
        " where projection = $2 and version >= $3 and stream_id = any($1::uuid[])"
    )
    raised_sql = (
        "select subject_id from notify.alerts"
        " where rule = 'absconded' and subject_id = any($1::uuid[])"
    )
    sent: dict[UUID, tuple[int, str]] = {}
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
                rows = await p.pool.fetch(
                    moved_sql, waiting, IndicatorProjection.name, ABSCONDED_VERSION
                )
                now = time.time_ns()
                moved.update((r[0], now) for r in rows)
            waiting = [w for w in sent if w not in raised]
            if waiting:
                rows = await p.pool.fetch(raised_sql, waiting)
                now = time.time_ns()
                raised.update((r[0], now) for r in rows)
            await asyncio.sleep(0.002)

    async def send(worker: UUID) -> None:
        trace_id = uuid4().hex
        sent[worker] = (time.time_ns(), trace_id)
        headers = p.headers | {"traceparent": f"00-{trace_id}-{uuid4().hex[:16]}-01"}
        url = f"/v1/workers/{worker}/report-absconded"
        (await p.client.post(url, json=ABSCOND, headers=headers)).raise_for_status()

    watching = asyncio.create_task(watch())
    sending = []
    for worker in workers:
        await asyncio.sleep(rnd.uniform(*PACE_MS) / 1000)
        sending.append(asyncio.create_task(send(worker)))
    await asyncio.gather(*sending)
    await watching
    return [Sample(*sent[w], moved.get(w), raised.get(w)) for w in workers]


async def caught_up(pool: asyncpg.Pool, total: int) -> None:
    """Every setup event applied by both processors (their groups joined, the backlog done)."""
    for _ in range(1200):
        applied = await pool.fetchval(
            "select count(*) from reporting.projection_positions"
            " where projection = $1 and version >= 3",
            IndicatorProjection.name,
        )
        subjects = await pool.fetchval("select count(*) from notify.alert_subjects")
        if applied >= total and subjects >= total:
            await asyncio.sleep(1.0)  # the notify agents' positions settle too
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("the processors never caught up with the setup")


async def phase(config: Config, args: argparse.Namespace) -> dict[str, Any]:
    """One configuration on a platform of its own: setup, warm-up, the measured commands."""
    load = os.getloadavg()[0]  # the machine is shared: how busy it was is part of the figure
    with tempfile.TemporaryDirectory(prefix="lmis-latency-") as tmp:
        data = Path(tmp)
        pg = EmbeddedPostgres(data / "pg", free_port())
        broker = EmbeddedBroker(free_port(), data / "logs" / "broker.log")
        (data / "logs").mkdir()
        port = free_port()
        with running(pg, broker):
            env = environment(pg, broker, data, port) | config.environment
            migrate = [sys.executable, "-m", "lmis_cli", "migrate"]
            await asyncio.to_thread(subprocess.run, migrate, env=env, check=True)
            with processes(env, data / "logs", PROCESSES[:1]):
                samples, floor_ = await _measure(pg, data, port, env, config, args)
            traces = spans_by_trace(data / "traces")
    result = figures(samples, traces) | {
        "load_average_1min_before_after": [load, os.getloadavg()[0]]
    }
    if floor_ is not None:
        result["first_hop"] = floor_
    return result


async def _measure(
    pg: EmbeddedPostgres, data: Path, port: int, env: dict[str, str], config: Config,
    args: argparse.Namespace,
) -> tuple[list[Sample], dict[str, Any] | None]:  # fmt: skip
    private = data / "keys" / "jwt.key"
    token = issue_token(
        private, subject="bench", role="admin", scope="12", issuer="lmis-embedded",
        audience="lmis", ttl=timedelta(hours=2),
    )  # fmt: skip
    pool = await create_pool(pg.dsn, min_size=2, max_size=6)
    limits = httpx.Limits(max_connections=64)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits) as c:
            await ready(c)  # the registry first: it makes the master key notify's grant reads
            p = Platform(pool, c, {"Authorization": f"Bearer {token}"}, data)
            with processes(env, data / "logs", PROCESSES[1:]):
                workers = await departed_workers(p, 0, args.commands + args.warmup)
                await caught_up(pool, len(workers))
                samples = (await drive(p, workers))[args.warmup :]
                quiet = None
                if config is CONFIGS[0]:  # the peers of the first hop, on this PostgreSQL
                    quiet = {"append_to_notify_heard": await floor(pool, pg.dsn, args.commands)}
                    for name, holders, touching, cluster_wide in FLOORS:
                        quiet[f"relay_commit_to_publish_next_to_{name}"] = (
                            await commit_to_publish(
                                pool, pg.dsn, f"lat_relay_{name}", args.commands, holders,
                                PACE_MS, touching=touching, cluster_wide=cluster_wide,
                            )
                        )  # fmt: skip
        return samples, quiet
    finally:
        await pool.close()


def figures(samples: list[Sample], traces: dict[str, Any]) -> dict[str, Any]:
    moved = [(s.indicator_ns - s.sent_ns) / 1e6 for s in samples if s.indicator_ns]
    raised = [(s.alert_ns - s.sent_ns) / 1e6 for s in samples if s.alert_ns]
    return {
        "commands": len(samples),
        "http_to_indicator": summary(moved) | {"seen": len(moved)},
        "http_to_alert": summary(raised) | {"seen": len(raised)},
        "budget_indicator": budget(samples, traces, IndicatorProjection.name, alert=False),
        "budget_alert": budget(samples, traces, DeadlineProjection.name, alert=True),
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


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    return {config.name: await phase(config, args) for config in CONFIGS}


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
    results = asyncio.run(measure(args))
    results["first_hop"] = results["wake_on_commit"].pop("first_hop")
    for name in (c.name for c in CONFIGS):
        for kind in ("indicator", "alert"):
            print(table(f"{name} -> {kind}", results[name][f"budget_{kind}"]))
    figures_ = {
        "measured_at": datetime.now(UTC).isoformat(),
        "machine": machine(),
        "pace_ms_between_commands": list(PACE_MS),
        "configurations": {c.name: c.environment for c in CONFIGS},
        "command": "POST /v1/workers/{id}/report-absconded: indicator and alert `absconded`",
        "platform": "registry API, registry relay, reporting and notify processors as processes",
        **results,
        "ratios": ratios(results),
    }
    write_figures(args.out, figures_)
    for name in (c.name for c in CONFIGS):
        print(name, {k: results[name][k] for k in ("http_to_indicator", "http_to_alert")})
    print("first hop", results["first_hop"], "ratios", figures_["ratios"])


if __name__ == "__main__":
    main()
