"""Rebuilding the projections from the event store, on this machine (issue 14, **Rebuild**).

Fills an event store with `--events` worker registrations (`pipeline.fill_store`, one stream
each) in an embedded PostgreSQL, then measures, in the same run:
  * the peer: PostgreSQL's own `COPY (SELECT ... FROM events ORDER BY tx_id, seq) TO` of the
    same events, the floor for reading them out;
  * the replay alone: reading the store in chunks and typing each payload as the processors
    do (`lmis_shared.processing.replay`), with nothing applied;
  * the reporting projection's rebuild (`rebuild_projection` with `IndicatorReplica`, what
    `lmis rebuild reporting` runs): replayed in memory, split by stream over one process per
    core (`replay_parts.py`), a first build copied straight into the empty tables; then once
    more over the tables it made (the usual case: staged, the swap finds few rows to change);
    and a first build replayed in one process, for what the split brings;
  * the notify deadline projection's rebuild (`DeadlineProjection.rebuild`, one transaction)
    over the first `--notify-events` of the same events;
  * with `--old-events N`, the old reporting rebuild (`Projection.rebuild`, one transaction)
    over the first N events, for the before/after ratio.
Results: `bench/results/rebuild.json`.

    .venv/bin/python bench/rebuild.py [--events 1000000] [--notify-events 100000]
                                      [--old-events 0]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg

from harness import Figures, run_from_command_line
from lmis_cli.embedded import EmbeddedPostgres
from lmis_notify.adapters.alert_book import migrate as migrate_notify
from lmis_notify.bootstrap import bootstrap as notify_bootstrap
from lmis_notify.settings import NotifySettings
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.adapters.replica import IndicatorReplica
from lmis_shared.events import RecordedEvent
from lmis_shared.eventstore.postgres import PostgresEventStore, create_pool
from lmis_shared.processing import all_events
from lmis_shared.processing.rebuilding import CHUNK, rebuild_projection
from lmis_shared.processing.replay import gap_safe_bound, replay
from lmis_shared.processing.replay_parts import parts_for_this_machine
from lmis_shared.settings import CommonSettings
from pipeline import fill_store

RESULTS = Path(__file__).parent / "results" / "rebuild.json"
SOURCE = "bench_rebuild_source"


def postgres_cpu(server: EmbeddedPostgres) -> float:
    """CPU seconds the server's processes took so far (the machine is shared: wall time
    stretches with the other work on it, CPU time much less): the postmaster's children that
    ended, as it counts them, and those still running."""
    tick = os.sysconf("SC_CLK_TCK")
    postmaster = int((server.data_dir / "postmaster.pid").read_text().split()[0])

    def fields(pid: int | str) -> list[str]:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

    own = fields(postmaster)
    total = sum(int(v) for v in own[11:15])  # its own and its ended children's user+system
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = fields(entry.name)
            except OSError:
                continue
            if int(stat[1]) == postmaster:
                total += int(stat[11]) + int(stat[12])
    return total / tick


def rate(events: int, seconds: float) -> dict[str, Any]:
    return {"events": events, "seconds": round(seconds, 2), "events_per_s": round(events / seconds)}


async def copy_out(pool: asyncpg.Pool) -> dict[str, Any]:
    """The peer: the server writes the events out in global order, nothing typed."""
    size = 0

    async def sink(chunk: bytes) -> None:
        nonlocal size
        size += len(chunk)

    started = time.perf_counter()
    async with pool.acquire() as conn:
        status = await conn.copy_from_query(
            f"SELECT stream_id, stream_type, version, event_type, data FROM {SOURCE}.events"  # noqa: S608
            " ORDER BY tx_id, seq",
            output=sink,
        )
    seconds = time.perf_counter() - started
    return {**rate(int(status.split()[-1]), seconds), "megabytes": round(size / 1e6, 1)}


async def replay_only(pool: asyncpg.Pool) -> dict[str, Any]:
    started, count = time.perf_counter(), 0
    bound = await gap_safe_bound(pool)
    async for _, events, _seen in replay(
        pool, SOURCE, IndicatorProjection.event_types, (0, 0), bound, CHUNK
    ):
        count += len(events)
    return rate(count, time.perf_counter() - started)


async def reporting(
    pool: asyncpg.Pool,
    server: EmbeddedPostgres,
    schema: str,
    processes: int = 1,
    source: str = SOURCE,
) -> dict[str, Any]:
    await IndicatorProjection(pool, schema).migrate()
    phases: dict[str, float] = {}
    load = os.getloadavg()[0]
    started, cpu, server_cpu = time.perf_counter(), time.process_time(), postgres_cpu(server)
    applied = await rebuild_projection(
        pool,
        schema,
        IndicatorProjection.name,
        IndicatorProjection.event_types,
        IndicatorReplica(),
        [source],
        phases=phases,
        processes=processes,
        dsn=server.dsn,
    )
    figures = rate(applied, time.perf_counter() - started)
    this = time.process_time() - cpu
    cpu_seconds = {
        "this_process": round(this, 1),
        "other_processes": phases.pop("other_processes_cpu", 0.0),
        "postgresql": round(postgres_cpu(server) - server_cpu, 1),
    }
    return {
        **figures,
        "processes": processes,
        "cpu_seconds": cpu_seconds,
        "cpu_microseconds_per_event": round(sum(cpu_seconds.values()) / applied * 1e6, 1),
        "machine_load_before": round(load, 1),
        "phases": phases,
    }


async def first(store: PostgresEventStore, n: int) -> AsyncIterator[RecordedEvent]:
    count = 0
    async for event in all_events(store, page=2000):
        if count == n:
            return
        count += 1
        yield event


async def old_reporting(pool: asyncpg.Pool, n: int) -> dict[str, Any]:
    projection = IndicatorProjection(pool, "bench_rebuild_old")
    await projection.migrate()
    started = time.perf_counter()
    store = PostgresEventStore(pool, SOURCE)
    applied = await projection.rebuild(first(store, n), batch_size=2000)
    return rate(applied, time.perf_counter() - started)


async def notify_deadlines(pool: asyncpg.Pool, common: CommonSettings, n: int) -> dict[str, Any]:
    schema = "bench_notify"
    await migrate_notify(pool, schema)
    settings = NotifySettings(schema_name=schema, sources=["registry"])
    notify = notify_bootstrap(pool, settings, common)
    started = time.perf_counter()
    store = PostgresEventStore(pool, SOURCE)
    applied = await notify.deadlines.rebuild(first(store, n), batch_size=2000)
    subjects = await pool.fetchval(f"SELECT count(*) FROM {schema}.alert_subjects")  # noqa: S608
    return {**rate(applied, time.perf_counter() - started), "subjects": subjects}


async def measure(server: EmbeddedPostgres, args: argparse.Namespace) -> Figures:
    pool = await create_pool(server.dsn, min_size=2, max_size=6)
    try:
        await PostgresEventStore.migrate(pool, SOURCE)
        started = time.perf_counter()
        await fill_store(PostgresEventStore(pool, SOURCE), args.events, seed=3)
        fill = time.perf_counter() - started
        await pool.execute(f"VACUUM ANALYZE {SOURCE}.events")
        figures: Figures = {"events": args.events, "fill_seconds": round(fill, 1)}
        figures["peer_copy_out"] = await copy_out(pool)
        figures["replay_and_type_only"] = await replay_only(pool)
        parts = parts_for_this_machine()  # as `lmis rebuild reporting`
        ours = figures["reporting_rebuild"] = await reporting(
            pool, server, "bench_reporting", parts
        )
        figures["reporting_rebuild_again"] = await reporting(pool, server, "bench_reporting", parts)
        figures["reporting_rebuild_one_process"] = await reporting(
            pool, server, "bench_reporting_one_process"
        )
        figures["ratio_reporting_to_peer"] = round(
            ours["events_per_s"] / figures["peer_copy_out"]["events_per_s"], 3
        )
        if args.old_events:
            old = figures["old_reporting_rebuild"] = await old_reporting(pool, args.old_events)
            figures["speedup_over_old"] = round(ours["events_per_s"] / old["events_per_s"], 1)
        common = CommonSettings(database_url=server.dsn, otel_exporter="none")
        figures["notify_deadline_rebuild"] = await notify_deadlines(
            pool, common, min(args.notify_events, args.events)
        )
        return figures
    finally:
        await pool.close()


if __name__ == "__main__":
    run_from_command_line(
        (__doc__ or "").split("\n")[0],
        {"events": 1_000_000, "notify_events": 100_000, "old_events": 0},
        measure,
        RESULTS,
        with_machine=True,
    )
