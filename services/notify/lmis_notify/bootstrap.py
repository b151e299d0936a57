"""Builds the notify service from its parts. Every side-effecting dependency is a parameter, so
tests hand in fakes or real servers and production hands in the real ones.

The API (`Notify`: alerts and report submissions) and the stream processor (the deadline
projection and the `Sweeper`) share the tables `migrate` creates.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from lmis_notify.adapters import alert_book
from lmis_notify.adapters.alert_book import PostgresAlertBooks
from lmis_notify.adapters.alert_reads import PostgresAlertReads
from lmis_notify.adapters.projection import DeadlineProjection
from lmis_notify.adapters.units import communes_of
from lmis_notify.application.access import NOTIFY_GRANTS
from lmis_notify.application.alerts import Alerts
from lmis_notify.application.reports import Reports
from lmis_notify.application.sweeper import Sweeper
from lmis_notify.domain.reports import expand_obligations
from lmis_notify.domain.rules import RuleSettings
from lmis_notify.settings import NotifySettings
from lmis_shared.auth import Authorizer
from lmis_shared.clock import Clock
from lmis_shared.eventstore import PostgresEventStore
from lmis_shared.reference.units import province_of


@dataclass(frozen=True)
class Notify:
    """Everything the notify API calls."""

    alerts: Alerts
    reports: Reports


def bootstrap_postgres(
    pool: asyncpg.Pool, schema: str, clock: Clock, authorizer: Authorizer | None = None
) -> Notify:
    authorizer = authorizer or Authorizer(NOTIFY_GRANTS)
    books = PostgresAlertBooks(pool, schema)
    return Notify(
        alerts=Alerts(books, PostgresAlertReads(pool, schema), clock, authorizer),
        reports=Reports(PostgresEventStore(pool, schema), clock, authorizer),
    )


def deadline_projection(
    pool: asyncpg.Pool, schema: str, rules: RuleSettings, clock: Clock
) -> DeadlineProjection:
    return DeadlineProjection(pool, schema, rules, clock)


def sweeper(pool: asyncpg.Pool, settings: NotifySettings, clock: Clock) -> Sweeper:
    obligations = expand_obligations(settings.report_obligations, communes_of, province_of)
    return Sweeper(
        PostgresAlertBooks(pool, settings.schema_name),
        clock,
        settings.rules(),
        obligations,
        batch_size=settings.batch_size,
    )


async def migrate(pool: asyncpg.Pool, schema: str) -> None:
    """The event store (alerts and reports are events), the projection's positions and the
    alert tables; idempotent, run by `lmis migrate`, the API and the processor alike."""
    await alert_book.migrate(pool, schema)
