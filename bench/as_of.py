"""What exact "as of" costs (issue 15): the live projection with and without the history.

The seeded history of the as-of tests (`tests/integration/as_of_history.py`, a third of its
events recorded late, facts replaced), scaled, is applied in batches, in the order the events
were recorded, by two projections on one PostgreSQL: the reporting projection as it is (counts
per recorded day and fact versions kept besides the current rows), and its peer without the
history (the current rows only, as before). The batches alternate between the two, the one
that goes first swapping each time, so the machine's noise falls on both alike. Then the rows
per event each table holds and the tables' sizes, and the time of an indicator read now and
as of a past day (same queries, same run). Last, the rebuild from the event stores
(`rebuild_projection`) into empty schemas, with the history and without it (its peer), run
twice each, alternated.

    .venv/bin/python bench/as_of.py [--scale 15] [--batch-size 500]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

import asyncpg

from harness import Figures, run_from_command_line
from lmis_cli.embedded import EmbeddedPostgres
from lmis_reporting.adapters.facts_store import PostgresStreamFacts
from lmis_reporting.adapters.indicator_store import IndicatorProjection, PostgresCounts
from lmis_reporting.adapters.replica import COUNTS, FACTS, IndicatorReplica
from lmis_reporting.application.counting import count
from lmis_reporting.application.ports import StreamEvent
from lmis_reporting.bootstrap import bootstrap, migrate
from lmis_reporting.settings import ReportingSettings
from lmis_shared.auth import Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.eventstore.postgres import PostgresEventStore, create_pool
from lmis_shared.processing import Connection, Decoded
from lmis_shared.processing.rebuilding import rebuild_projection
from lmis_shared.processing.replay import Replayed
from lmis_shared.processing.staging import Table
from lmis_shared.settings import CommonSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' event builders
from tests.integration.as_of_history import history
from tests.integration.test_indicators_projection import append, decoded

RESULTS = Path(__file__).parent / "results" / "as_of.json"
TABLES = ("indicator_counts", "stream_facts", "indicator_counts_recorded", "stream_facts_history")
ADMIN = Principal("a-1", Role.ADMIN, "*")
NOW = datetime(2026, 7, 25, 3, 0, tzinfo=UTC)


class WithoutHistory(IndicatorProjection):
    """The peer: the projection as it was before the history, current rows only."""

    async def apply(self, conn: Connection, events: Sequence[Decoded]) -> None:
        new = [
            StreamEvent(d.event.metadata.stream_id, d.event.metadata.stream_type, d.payload)
            for d in events
        ]
        await count(new, PostgresStreamFacts(conn, self.schema), PostgresCounts(conn, self.schema))


class ReplicaWithoutHistory(IndicatorReplica):
    """The rebuild's peer: the replica as it was before the history."""

    tables: ClassVar[tuple[Table, ...]] = (COUNTS, FACTS)

    async def apply(self, events: Sequence[Replayed]) -> None:
        if events:
            new = [StreamEvent(e.stream_id, e.stream_type, e.payload) for e in events]
            await count(new, self.facts, self.counts)


async def _timed(step: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await step()
    return time.perf_counter() - started


async def measure(server: EmbeddedPostgres, args: argparse.Namespace) -> Figures:
    made = history(seed=15, scale=args.scale)
    events = sorted((e for s in made.values() for e in s), key=lambda e: e.metadata.recorded_at)
    batches = [
        decoded(events[i : i + args.batch_size]) for i in range(0, len(events), args.batch_size)
    ]
    pool = await create_pool(server.dsn)
    try:
        await migrate(pool, "with_history")
        await migrate(pool, "without_history")
        projections = [
            IndicatorProjection(pool, "with_history"),
            WithoutHistory(pool, "without_history"),
        ]
        spent = [0.0, 0.0]
        for n, batch in enumerate(batches):
            order = (0, 1) if n % 2 == 0 else (1, 0)
            for which in order:
                step = projections[which].process
                spent[which] += await _timed(lambda step=step, batch=batch: step(batch))
        storage = {
            table: await _table(pool, "with_history", table, len(events)) for table in TABLES
        }
        reads = await _reads(pool, server.dsn)
        rebuilds = await _rebuilds(pool, made)
    finally:
        await pool.close()
    return {
        "events": len(events),
        "batch_size": args.batch_size,
        "live_seconds": {"with_history": round(spent[0], 2), "without_history": round(spent[1], 2)},
        "live_slowdown": round(spent[0] / spent[1], 2),
        "storage": storage,
        "reads": reads,
        "rebuild": rebuilds,
    }


async def _rebuilds(pool: asyncpg.Pool, made: dict[str, list[Any]]) -> dict[str, Any]:
    stores = [f"store_{domain}" for domain in made]
    for store, events in zip(stores, made.values(), strict=True):
        await PostgresEventStore.migrate(pool, store)
        await append(PostgresEventStore(pool, store), events)
    makers = {"with_history": IndicatorReplica, "without_history": ReplicaWithoutHistory}
    spent: dict[str, list[float]] = {name: [] for name in makers}
    order = ["with_history", "without_history", "without_history", "with_history"]
    for n, name in enumerate(order):
        schema = f"rebuilt_{n}"
        await migrate(pool, schema)
        replica = makers[name]()
        step = rebuild_projection(
            pool, schema, IndicatorProjection.name, IndicatorProjection.event_types, replica, stores
        )
        spent[name].append(await _timed(lambda step=step: step))
    seconds = {name: round(min(times), 2) for name, times in spent.items()}
    return {
        "seconds_best_of_2": seconds,
        "ratio": round(seconds["with_history"] / seconds["without_history"], 2),
    }


async def _table(pool: asyncpg.Pool, schema: str, table: str, events: int) -> dict[str, Any]:
    name = f"{schema}.{table}"  # names of this file's own, no input
    rows = await pool.fetchval(f"SELECT count(*) FROM {name}")  # noqa: S608
    size = await pool.fetchval("SELECT pg_total_relation_size($1::regclass)", name)
    return {"rows": rows, "rows_per_event": round(rows / events, 2), "bytes": size}


async def _reads(pool: asyncpg.Pool, dsn: str) -> dict[str, Any]:
    """Median milliseconds of a flow and a stock read for the province, now and as of a past
    day, alternated."""
    common = CommonSettings(database_url=dsn, otel_exporter="none")
    reporting = bootstrap(
        pool, ReportingSettings(schema_name="with_history"), common, clock=FixedClock(NOW)
    )
    now, past = reporting.queries, reporting.queries.as_of(date(2026, 4, 30))
    asked = {"departed": "2026", "workers_abroad": None, "loans_overdue": None}
    found: dict[str, Any] = {}
    for code, period in asked.items():
        times: dict[str, list[float]] = {"now": [], "as_of": []}
        for _ in range(15):
            for name, queries in (("now", now), ("as_of", past)):
                read = queries.indicator_value(ADMIN, code, period, "12", "current")
                times[name].append(await _timed(lambda read=read: read))
        medians = {k: round(statistics.median(v) * 1000, 2) for k, v in times.items()}
        found[code] = {**medians, "ratio": round(medians["as_of"] / medians["now"], 2)}
    return found


if __name__ == "__main__":
    run_from_command_line(
        "the live projection with and without the as-of history; storage; reads",
        {"scale": 15, "batch_size": 500},
        measure,
        RESULTS,
        with_machine=True,
    )
