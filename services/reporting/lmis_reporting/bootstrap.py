"""Builds the reporting service from its parts. Every side-effecting dependency is a parameter,
so tests hand in fakes (unit) or real servers (integration) and production the real ones."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from lmis_reporting.adapters import indicator_store
from lmis_reporting.adapters.indicator_reads import PostgresIndicatorReads
from lmis_reporting.adapters.units import PostgresUnits, migrate_units
from lmis_reporting.application.queries import CountReader, ReportingQueries, UnitReader
from lmis_shared.auth import Authorizer
from lmis_shared.eventstore import PostgresEventStore


@dataclass(frozen=True)
class Reporting:
    """Everything the reporting service's HTTP entrypoints call."""

    queries: ReportingQueries


def bootstrap(
    units: UnitReader, counts: CountReader, authorizer: Authorizer | None = None
) -> Reporting:
    return Reporting(queries=ReportingQueries(units, counts, authorizer or Authorizer()))


def bootstrap_postgres(
    pool: asyncpg.Pool, schema: str, authorizer: Authorizer | None = None
) -> Reporting:
    return bootstrap(PostgresUnits(pool, schema), PostgresIndicatorReads(pool, schema), authorizer)


async def migrate(pool: asyncpg.Pool, schema: str) -> None:
    """Create or upgrade the service's tables and load the administrative units (idempotent).

    The API reads `indicator_counts` before the processor may have started, so the
    projection's tables are created here too, not only by the processor.
    """
    # reporting's own facts (targets set, reports submitted) are events too
    await PostgresEventStore.migrate(pool, schema)
    await indicator_store.migrate(pool, schema)
    await migrate_units(pool, schema)
