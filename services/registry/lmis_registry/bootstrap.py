"""Builds the registry from its parts. Every side-effecting dependency is a parameter, so tests
hand in fakes (unit) or real servers (integration) and production hands in the real ones."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from lmis_registry.adapters.worker_files import PostgresWorkerFiles
from lmis_registry.adapters.worker_list import PostgresWorkerList
from lmis_registry.application.loans import Loans, build_loans
from lmis_registry.application.worker_ports import WorkerListing, WorkerRepository
from lmis_registry.application.workers import WorkerFiles
from lmis_shared.auth import Authorizer
from lmis_shared.clock import Clock, SystemClock
from lmis_shared.eventstore import EventStore, PostgresEventStore


@dataclass(frozen=True)
class Registry:
    """Everything the registry's entrypoints call."""

    workers: WorkerFiles
    loans: Loans
    store: EventStore


def bootstrap(
    store: EventStore,
    files: WorkerRepository,
    listing: WorkerListing,
    clock: Clock | None = None,
    authorizer: Authorizer | None = None,
) -> Registry:
    clock = clock or SystemClock()
    authorizer = authorizer or Authorizer()
    return Registry(
        workers=WorkerFiles(files, listing, clock, authorizer),
        loans=build_loans(store, clock, authorizer),
        store=store,
    )


def bootstrap_postgres(
    pool: asyncpg.Pool,
    schema: str,
    lookup_secret: bytes,
    clock: Clock | None = None,
    authorizer: Authorizer | None = None,
) -> Registry:
    """The registry on PostgreSQL; `lookup_secret` keys the citizen-ID lookups."""
    return bootstrap(
        PostgresEventStore(pool, schema),
        PostgresWorkerFiles(pool, schema, lookup_secret),
        PostgresWorkerList(pool, schema),
        clock,
        authorizer,
    )


async def migrate(pool: asyncpg.Pool, schema: str) -> None:
    await PostgresWorkerFiles.migrate(pool, schema)
