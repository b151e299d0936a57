"""Builds the notify service from its parts: the API's use cases (alerts, report submissions) and
the stream processor's halves (the deadline projection, fed by events, and the sweeper, driven by
the clock). They share the tables `migrate` creates.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from lmis_notify.adapters import alert_book
from lmis_notify.adapters.alert_book import AlertRows, PostgresAlertBooks
from lmis_notify.adapters.alert_reads import PostgresAlertReads
from lmis_notify.adapters.projection import DeadlineProjection
from lmis_notify.adapters.units import communes_of
from lmis_notify.application.access import NOTIFY_GRANTS
from lmis_notify.application.alerts import Alerts
from lmis_notify.application.deadlines import Deadlines
from lmis_notify.application.sweeper import Sweeper
from lmis_notify.domain.reports import expand_obligations
from lmis_notify.settings import NotifySettings
from lmis_shared.auth import Authorizer
from lmis_shared.clock import Clock
from lmis_shared.commands.postgres import PostgresStreams
from lmis_shared.processing import all_events_in
from lmis_shared.reference.units import province_of
from lmis_shared.settings import CommonSettings

SERVICE = "notify"


@dataclass(frozen=True)
class Notify:
    """Everything the notify entrypoints call: the API its use cases, the processor the
    deadline projection (events in) and the sweeper (the clock)."""

    alerts: Alerts
    deadlines: DeadlineProjection
    sweeper: Sweeper


def bootstrap(
    pool: asyncpg.Pool,
    settings: NotifySettings,
    common: CommonSettings,
    *,
    clock: Clock | None = None,
    authorizer: Authorizer | None = None,
) -> Notify:
    """`clock` defaults to the settings' (a fixed one under `LMIS_NOTIFY_AS_OF`)."""
    clock = clock or settings.clock()
    authorizer = authorizer or Authorizer(NOTIFY_GRANTS)
    schema = settings.schema_name
    obligations = expand_obligations(settings.report_obligations, communes_of, province_of)
    return Notify(
        alerts=Alerts(
            PostgresStreams(pool, schema, AlertRows(schema)),
            PostgresAlertReads(pool, schema),
            clock,
            authorizer,
        ),
        deadlines=DeadlineProjection(pool, schema, Deadlines(settings.rules(), clock)),
        sweeper=Sweeper(
            PostgresAlertBooks(pool, schema),
            clock,
            settings.rules(),
            obligations,
            batch_size=settings.batch_size,
        ),
    )


async def migrate(pool: asyncpg.Pool, schema: str) -> None:
    """The event store (alerts and reports are events), the projection's positions and the
    alert tables; idempotent, run by `lmis migrate` and the processor alike."""
    await alert_book.migrate(pool, schema)


async def rebuild(pool: asyncpg.Pool, settings: NotifySettings, common: CommonSettings) -> str:
    """Rebuild the deadline projection from the event stores of its sources (each source
    domain's events are in the schema of that name; notify's own in its schema), in one
    transaction. Alerts are events and stay; the next sweep finds them again."""
    notify = bootstrap(pool, settings, common)
    schemas = [settings.schema_name if d == SERVICE else d for d in settings.sources]
    replayed = await notify.deadlines.rebuild(all_events_in(pool, schemas, settings.batch_size))
    return f"{SERVICE}: {replayed} events replayed"
