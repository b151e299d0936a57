"""Rebuilding notify's projections from the event store, on this machine (issue 13, rebuilds
beside live traffic): the notify variant of `bench/rebuild.py`, whose store and peer it uses.

Fills an event store with `--events` worker registrations (`pipeline.fill_store`, one stream
each) in an embedded PostgreSQL, then measures, in the same run:
  * the peer: PostgreSQL's own `COPY (SELECT ... ORDER BY tx_id, seq) TO` of the events;
  * the old deadline rebuild (`DeadlineProjection.rebuild`: one transaction holding the alerts
    lock and a transaction id, so every relay of the cluster waits) over the first
    `--old-events`;
  * the deadline rebuild `lmis rebuild notify` runs now (`rebuild_beside_live`: read-only
    chunks, in memory, staged, swapped in), over every event, and once more over the tables it
    made (the usual case: the swap finds few rows to change);
  * the feed projection's rebuild, old (one transaction) over the first `--old-events` and new
    over every event.
Results: `bench/results/rebuild_notify.json`.

    .venv/bin/python bench/rebuild_notify.py [--events 200000] [--old-events 100000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import asyncpg

from harness import Figures, run_from_command_line
from lmis_cli.embedded import EmbeddedPostgres
from lmis_notify.bootstrap import bootstrap, migrate
from lmis_notify.settings import NotifySettings
from lmis_shared.eventstore.postgres import PostgresEventStore, create_pool
from lmis_shared.processing import Projection
from lmis_shared.settings import CommonSettings
from pipeline import fill_store
from rebuild import SOURCE, copy_out, first, rate

RESULTS = Path(__file__).parent / "results" / "rebuild_notify.json"


async def projections(pool: asyncpg.Pool, schema: str, common: CommonSettings) -> Any:
    await migrate(pool, schema)
    settings = NotifySettings(schema_name=schema, sources=["registry"], report_obligations={})
    return bootstrap(pool, settings, common)


async def old(projection: Projection, pool: asyncpg.Pool, n: int) -> dict[str, Any]:
    started = time.perf_counter()
    applied = await projection.rebuild(first(PostgresEventStore(pool, SOURCE), n), batch_size=2000)
    return rate(applied, time.perf_counter() - started)


async def new(projection: Any) -> dict[str, Any]:
    phases: dict[str, float] = {}
    started, cpu = time.perf_counter(), time.process_time()
    applied = await projection.rebuild_beside_live([SOURCE], phases=phases)
    figures = rate(applied, time.perf_counter() - started)
    return {**figures, "cpu_seconds": round(time.process_time() - cpu, 1), "phases": phases}


async def measure(server: EmbeddedPostgres, args: argparse.Namespace) -> Figures:
    pool = await create_pool(server.dsn, min_size=2, max_size=6)
    common = CommonSettings(database_url=server.dsn, otel_exporter="none")
    try:
        await PostgresEventStore.migrate(pool, SOURCE)
        started = time.perf_counter()
        await fill_store(PostgresEventStore(pool, SOURCE), args.events, seed=3)
        figures: Figures = {
            "events": args.events,
            "fill_seconds": round(time.perf_counter() - started, 1),
        }
        await pool.execute(f"VACUUM ANALYZE {SOURCE}.events")
        figures["peer_copy_out"] = await copy_out(pool)
        n = min(args.old_events, args.events)
        was = await projections(pool, "bench_notify_old", common)
        figures["old_deadline_rebuild"] = await old(was.deadlines, pool, n)
        now = await projections(pool, "bench_notify_new", common)
        figures["deadline_rebuild"] = ours = await new(now.deadlines)
        figures["deadline_rebuild_again"] = await new(now.deadlines)
        subjects = await pool.fetchval("SELECT count(*) FROM bench_notify_new.alert_subjects")
        figures["deadline_subjects"] = subjects
        figures["old_feed_rebuild"] = await old(was.feed_projection, pool, n)
        figures["feed_rebuild"] = await new(now.feed_projection)
        figures["feed_rebuild_again"] = await new(now.feed_projection)
        outbox = await pool.fetchval("SELECT count(*) FROM bench_notify_new.feed_outbox")
        figures["feed_outbox_rows"] = outbox
        peer = figures["peer_copy_out"]["events_per_s"]
        figures["ratio_deadline_rebuild_to_peer"] = round(ours["events_per_s"] / peer, 3)
        figures["deadline_speedup_over_old"] = round(
            ours["events_per_s"] / figures["old_deadline_rebuild"]["events_per_s"], 2
        )
        figures["feed_speedup_over_old"] = round(
            figures["feed_rebuild"]["events_per_s"] / figures["old_feed_rebuild"]["events_per_s"], 2
        )
        return figures
    finally:
        await pool.close()


if __name__ == "__main__":
    run_from_command_line(
        (__doc__ or "").split("\n")[0],
        {"events": 200_000, "old_events": 100_000},
        measure,
        RESULTS,
        with_machine=True,
    )
