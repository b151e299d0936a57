"""Builds the registry from its parts. Every side-effecting dependency is a parameter, so tests
hand in fakes (unit) or real servers (integration) and production hands in the real ones."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from lmis_registry.application.workers import WorkerFiles
from lmis_shared.auth import Authorizer
from lmis_shared.clock import Clock, SystemClock
from lmis_shared.eventstore import EventStore, PostgresEventStore


@dataclass(frozen=True)
class Registry:
    """Everything the registry's entrypoints call."""

    workers: WorkerFiles
    store: EventStore


def bootstrap(
    store: EventStore, clock: Clock | None = None, authorizer: Authorizer | None = None
) -> Registry:
    clock = clock or SystemClock()
    authorizer = authorizer or Authorizer()
    return Registry(workers=WorkerFiles(store, clock, authorizer), store=store)


async def migrate(pool: asyncpg.Pool, schema: str) -> None:
    await PostgresEventStore.migrate(pool, schema)
