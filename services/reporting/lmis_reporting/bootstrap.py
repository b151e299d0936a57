"""Builds the reporting service from its parts. Every side-effecting dependency is a parameter,
so tests hand in fakes (unit) or real servers (integration) and production the real ones."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from lmis_reporting.adapters import indicator_store, markets, targets
from lmis_reporting.adapters.indicator_reads import PostgresIndicatorReads
from lmis_reporting.adapters.markets import PostgresMarkets
from lmis_reporting.adapters.targets import PostgresTargets
from lmis_reporting.adapters.units import PostgresUnits, migrate_units
from lmis_reporting.application.queries import (
    CountReader,
    FactsReader,
    MarketReader,
    ReportingQueries,
    UnitReader,
)
from lmis_reporting.application.targets import TargetCommands, TargetLedger
from lmis_shared.auth import Authorizer
from lmis_shared.clock import Clock, SystemClock
from lmis_shared.eventstore import PostgresEventStore


@dataclass(frozen=True)
class Reporting:
    """Everything the reporting service's HTTP entrypoints call."""

    queries: ReportingQueries
    targets: TargetCommands


def bootstrap(
    units: UnitReader,
    counts: CountReader,
    facts: FactsReader,
    markets: MarketReader,
    ledger: TargetLedger,
    authorizer: Authorizer | None = None,
    clock: Clock | None = None,
) -> Reporting:
    authorizer = authorizer or Authorizer()
    clock = clock or SystemClock()
    queries = ReportingQueries(
        units, counts, authorizer, facts=facts, markets=markets, targets=ledger, clock=clock
    )
    return Reporting(queries, TargetCommands(units, ledger, authorizer, clock))


def bootstrap_postgres(
    pool: asyncpg.Pool,
    schema: str,
    authorizer: Authorizer | None = None,
    clock: Clock | None = None,
) -> Reporting:
    reads = PostgresIndicatorReads(pool, schema)
    return bootstrap(
        PostgresUnits(pool, schema),
        reads,
        reads,
        PostgresMarkets(pool, schema),
        PostgresTargets(pool, schema),
        authorizer,
        clock,
    )


async def migrate(pool: asyncpg.Pool, schema: str) -> None:
    """Create or upgrade the service's tables and load the administrative units, the seeded
    targets and the market lists (idempotent).

    The API reads `indicator_counts` and `stream_facts` before the processor may have
    started, so the projection's tables are created here too, not only by the processor.
    """
    # reporting's own facts (targets set, reports submitted) are events too
    await PostgresEventStore.migrate(pool, schema)
    await indicator_store.migrate(pool, schema)
    await migrate_units(pool, schema)
    await targets.migrate(pool, schema)
    await markets.migrate(pool, schema)
