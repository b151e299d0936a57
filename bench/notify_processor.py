"""Notify's deadline projection in its processor against the plain aiokafka loop (issue 14).

The notify half of `bench/processor_throughput.py`, on its own so it can be run (and profiled)
without the reporting processor: the same `--events` registrations are put on a topic per run;
the peer (`pipeline.aiokafka_rate`, a consumer loop counting per commune and month into
PostgreSQL) and notify's deadline projection, in the agent its processor runs it in
(`projection_agent`), apply them, `--rounds` times alternately, in the same run on the same
PostgreSQL and broker. Each is timed from its first record applied to its last. The figure is
the median of the rounds' own ratios (the machine's load moves both sides of a round).

First, without Kafka: notify's own work per event (`apply_only`), the projection's `process`
called on the decoded events in batches of 100 (about what the processor's drain takes on a
busy machine) and of `--batch-size`, less what a projection that applies nothing costs on the
same events (lock, versions, positions, commit): CPU and wall microseconds per event, far
less at the mercy of the machine's load than the rates.

With `--profile 1` one more notify run is sampled by py-spy (`processor_throughput.Sampler`):
the functions with the most samples of their own, and the share under each part of its path.
Results: `bench/results/notify_processor.json`; `--before FILE` keeps a result of the same
bench on older code beside.

    .venv/bin/python bench/notify_processor.py [--events 20000] [--batch-size 500]
                                               [--rounds 3] [--profile 0|1] [--before FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import asyncpg

from lmis_cli.embedded import EmbeddedBroker, EmbeddedPostgres
from lmis_notify.adapters.projection import DeadlineProjection
from lmis_notify.bootstrap import bootstrap as bootstrap_notify
from lmis_notify.bootstrap import migrate as migrate_notify
from lmis_notify.settings import NotifySettings
from lmis_shared.events import RecordedEvent
from lmis_shared.eventstore.postgres import create_pool
from lmis_shared.migrations import Migration
from lmis_shared.processing import (
    Connection,
    Decoded,
    Projection,
)
from lmis_shared.processing.decoding import arrival
from lmis_shared.processing.heap import settle_heap
from lmis_shared.settings import CommonSettings
from pipeline import (
    aiokafka_rate,
    bench_settings,
    on_embedded_servers,
    publish,
    stored_registrations,
)
from processor_throughput import PARTS, Sampler, arguments, notify_deadlines

RESULTS = Path(__file__).parent / "results" / "notify_processor.json"

# the notify path's own parts first: the first part a sample's stack passes through counts it
NOTIFY_PARTS = {
    "notify: alert book SQL (subjects, deadlines, alerts)": ("PostgresAlertBook.",),
    "notify: rules and deadlines (Python)": (
        "Deadlines.",
        "RecruitmentWatch.",
        "decide",
        "_store",
        "settle",
    ),
    "notify: rows to columns": ("subject_columns", "column_arrays", "subject_from_row"),
    **PARTS,
}


class PositionsOnly(Projection):
    """A projection that applies nothing: what every projection's batch costs (lock, versions,
    positions, commit) without notify's own work."""

    name = "bench.positions_only"
    event_types = DeadlineProjection.event_types

    def migrations(self) -> Sequence[Migration]:
        return []

    async def apply(self, conn: Connection, events: Sequence[Decoded]) -> None:
        return None

    async def clear(self, conn: Connection) -> None:
        return None


async def apply_only(
    pool: asyncpg.Pool, common: CommonSettings, events: Sequence[RecordedEvent], batch: int
) -> dict[str, float]:
    """Notify's own work per event, without Kafka, faust or decoding: `process` called in
    batches of `batch` on the decoded events, its microseconds (wall and this process's CPU)
    per event less those of `PositionsOnly` on the same events (alternated, median of 3)."""
    runs: dict[str, list[tuple[float, float]]] = {"notify": [], "positions_only": []}
    for i in range(3):
        for kind in runs:
            schema = f"bench_apply_{kind}_{batch}_{i}"
            await migrate_notify(pool, schema)
            settings = NotifySettings(schema_name=schema, processor_id=f"bench-{schema}")
            projection: Projection = (
                bootstrap_notify(pool, settings, common).deadlines
                if kind == "notify"
                else PositionsOnly(pool, schema)
            )
            arrivals = [arrival(e, projection.event_types) for e in events]
            cpu, started = time.process_time(), time.perf_counter()
            for at in range(0, len(arrivals), batch):
                await projection.process(arrivals[at : at + batch])
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            runs[kind].append((wall * 1e6 / len(events), cpu * 1e6 / len(events)))
    median = {k: [statistics.median(r[j] for r in v) for j in (0, 1)] for k, v in runs.items()}
    return {
        "batch": batch,
        "notify_wall_us_per_event": round(median["notify"][0], 1),
        "notify_cpu_us_per_event": round(median["notify"][1], 1),
        "positions_only_wall_us_per_event": round(median["positions_only"][0], 1),
        "positions_only_cpu_us_per_event": round(median["positions_only"][1], 1),
        "notify_own_wall_us_per_event": round(median["notify"][0] - median["positions_only"][0], 1),
        "notify_own_cpu_us_per_event": round(median["notify"][1] - median["positions_only"][1], 1),
    }


async def peer_run(bootstrap: str, topic: str, pool: asyncpg.Pool, total: int) -> float:
    await pool.execute("DROP SCHEMA IF EXISTS bench_peer CASCADE")  # the loop creates it
    return await aiokafka_rate(bootstrap, topic, pool, total)


async def measure(
    pg: EmbeddedPostgres, broker: EmbeddedBroker, args: argparse.Namespace, tmp: Path
) -> dict[str, Any]:
    pool = await create_pool(pg.dsn, min_size=2, max_size=10)
    try:
        common = bench_settings(pg.dsn, broker.bootstrap, tmp)
        events = await stored_registrations(pool, args.events)
        own = [await apply_only(pool, common, events, b) for b in (100, args.batch_size)]
        print(json.dumps(own), flush=True)
        runs = [f"{side}{i}" for i in range(args.rounds) for side in ("peer", "notify")]
        runs += ["profiled"] if args.profile else []
        per_run = {run: common.model_copy(update={"topic_prefix": f"bench-{run}"}) for run in runs}
        for settings in per_run.values():
            await asyncio.to_thread(
                publish, common.kafka_bootstrap, settings.topic("registry"), events
            )
        del events
        settle_heap()  # as `run_processor` does once a processor is set up (the peer too)
        rounds = []
        for i in range(args.rounds):
            peer = await peer_run(
                common.kafka_bootstrap, per_run[f"peer{i}"].topic("registry"), pool, args.events
            )
            notify, cpu = await notify_deadlines(
                per_run[f"notify{i}"], pool, f"bench_notify{i}", args.events, args.batch_size
            )
            rounds.append(
                {
                    "aiokafka_loop_events_per_s": round(peer),
                    "notify_deadline_projection_events_per_s": round(notify),
                    "ratio_notify_to_peer": round(notify / peer, 3),
                    "notify_python_cpu_us_per_event": round(cpu * 1e6, 1),
                }
            )
            print(json.dumps(rounds[-1]), flush=True)
        figures: dict[str, Any] = {
            "events": args.events,
            "batch_size": args.batch_size,
            "ratio_notify_to_peer": _median(r["ratio_notify_to_peer"] for r in rounds),
            "notify_python_cpu_us_per_event": _median(
                r["notify_python_cpu_us_per_event"] for r in rounds
            ),
            "rounds": rounds,
            "notify_apply_only": own,
        }
        if args.profile:
            sampler = Sampler(args.stacks or tmp / "notify-stacks.txt")
            sampler.start()
            try:
                rate, _ = await notify_deadlines(
                    per_run["profiled"], pool, "bench_profiled", args.events, args.batch_size
                )
            finally:
                sampler.stop()
            figures["profile"] = {
                "events_per_s_while_sampled": round(rate),
                **sampler.summary(top=20, marks_of=NOTIFY_PARTS),
            }
        return figures
    finally:
        await pool.close()


def _median(values: Iterable[float]) -> float | None:
    found = list(values)
    return statistics.median(found) if found else None


def main() -> None:
    parser = arguments(__doc__, RESULTS)
    parser.add_argument("--rounds", type=int, default=3)
    result = on_embedded_servers(measure, parser.parse_args())
    print(json.dumps({k: v for k, v in result.items() if k != "before"}, indent=2))


if __name__ == "__main__":
    main()
