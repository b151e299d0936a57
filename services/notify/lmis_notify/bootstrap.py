"""Builds the notify service from its parts: the API's use cases (alerts, report submissions) and
the stream processor's halves (the deadline projection, fed by events, and the sweeper, driven by
the clock). They share the tables `migrate` creates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import asyncpg

from lmis_notify.adapters import alert_book
from lmis_notify.adapters.alert_book import AlertRows, PostgresAlertBooks
from lmis_notify.adapters.alert_reads import PostgresAlertReads
from lmis_notify.adapters.feed_projection import FeedProjection, feed_sources
from lmis_notify.adapters.feed_store import FeedRows, PostgresFeedReads, seed_catalogue
from lmis_notify.adapters.key_grant import key_grant
from lmis_notify.adapters.projection import DeadlineProjection
from lmis_notify.adapters.units import communes_of
from lmis_notify.adapters.webhook_store import PostgresSubscriptions
from lmis_notify.application.access import NOTIFY_GRANTS
from lmis_notify.application.alerts import Alerts
from lmis_notify.application.deadlines import Deadlines
from lmis_notify.application.delivery import Delivery, DeliveryPolicy
from lmis_notify.application.feed_fanout import FeedFanout
from lmis_notify.application.feed_ports import ClearPersonalFields, PersonalFields
from lmis_notify.application.feeds import Feeds
from lmis_notify.application.recruitment import RecruitmentWatch
from lmis_notify.application.sweeper import Sweeper
from lmis_notify.application.webhook_ports import Sender
from lmis_notify.application.webhooks import Subscriptions, WebhookPolicy
from lmis_notify.domain.model import Deadline, Subject
from lmis_notify.domain.reports import expand_obligations
from lmis_notify.domain.webhooks import Subscription
from lmis_notify.settings import NotifySettings
from lmis_shared.access.postgres import ACCESS_MIGRATIONS
from lmis_shared.auth import Authorizer
from lmis_shared.clock import Clock, SystemClock
from lmis_shared.commands.postgres import PostgresStreams
from lmis_shared.contracts.feeds import load_catalogue
from lmis_shared.contracts.notify import AlertRule, SubjectKind
from lmis_shared.migrations import apply_migrations
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
    feeds: Feeds
    feed_projection: FeedProjection
    subscriptions: Subscriptions


def bootstrap(
    pool: asyncpg.Pool,
    settings: NotifySettings,
    common: CommonSettings,
    *,
    clock: Clock | None = None,
    authorizer: Authorizer | None = None,
) -> Notify:
    """`clock` defaults to the settings' (a fixed one under `LMIS_NOTIFY_AS_OF`). Its feed
    projection withholds sealed personal fields: the processor and the rebuild give it the key
    grant (`with_key_grant`); the API, which fans nothing out, holds no master key."""
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
        deadlines=DeadlineProjection(
            pool,
            schema,
            Deadlines(settings.rules(), clock),
            RecruitmentWatch(settings.recruitment(), clock),
        ),
        sweeper=Sweeper(
            PostgresAlertBooks(pool, schema),
            clock,
            settings.rules(),
            obligations,
            batch_size=settings.batch_size,
        ),
        feeds=feeds_of(pool, schema, clock),
        subscriptions=Subscriptions(
            PostgresSubscriptions(pool, schema),
            feeds_of(pool, schema, clock),
            SystemClock(),  # secrets, cursors and retries live in real time, not a demo's
            WebhookPolicy(
                allow_http=common.mode == "embedded",
                allowed_hosts=tuple(h.lower() for h in settings.webhook_allowed_hosts),
                rotation_overlap=timedelta(hours=settings.webhook_rotation_overlap_hours),
            ),
        ),
        feed_projection=FeedProjection(pool, schema, FeedFanout(ClearPersonalFields())),
    )


def delivery(
    pool: asyncpg.Pool, settings: NotifySettings, notify: Notify, sender: Sender
) -> Delivery:
    """The webhook delivery loop's use case; a paused subscription raises `webhook_paused`."""
    clock = SystemClock()

    async def paused(subscription: Subscription) -> None:
        deadline = Deadline(AlertRule.webhook_paused, subscription.id, clock.today())
        await notify.alerts.raise_found(
            deadline, Subject(subscription.id, SubjectKind.subscription)
        )

    policy = DeliveryPolicy(
        pause_after=settings.webhook_pause_after,
        backoff_base=settings.webhook_backoff_base_seconds,
        backoff_cap=settings.webhook_backoff_cap_seconds,
    )
    return Delivery(
        PostgresSubscriptions(pool, settings.schema_name), sender, clock, policy, paused
    )


def personal_fields(
    pool: asyncpg.Pool, settings: NotifySettings, common: CommonSettings
) -> PersonalFields:
    """The feeds' key grant (`adapters/key_grant.py`): the fields a feed's purpose allows
    arrive here reduced, and the producers' data keys (read from their `person_keys` with
    their master keys) open their sealed values. Only the processor and `lmis rebuild notify`
    build it: no other notify process is given the master keys."""
    return key_grant(pool, settings.key_sources(), common)


def with_key_grant(
    notify: Notify,
    pool: asyncpg.Pool,
    settings: NotifySettings,
    common: CommonSettings,
    personal: PersonalFields | None = None,
) -> Notify:
    """`notify` whose feed projection opens the personal fields the feeds allow (`personal`,
    by default the key grant of `personal_fields`)."""
    grant = personal or personal_fields(pool, settings, common)
    projection = FeedProjection(pool, settings.schema_name, FeedFanout(grant))
    return replace(notify, feed_projection=projection)


async def migrate(pool: asyncpg.Pool, schema: str) -> None:
    """The event store (alerts, reports and feeds are events), the projection's positions, the
    alert and feed tables, the access record, and the shipped feed catalogue (`seed`);
    idempotent, run by `lmis migrate` and the processor alike."""
    await alert_book.migrate(pool, schema)
    await apply_migrations(pool, schema, ACCESS_MIGRATIONS)  # what each agency received
    await seed_catalogue(pool, schema, load_catalogue())


def feeds_of(pool: asyncpg.Pool, schema: str, clock: Clock) -> Feeds:
    return Feeds(
        PostgresStreams(pool, schema, FeedRows(schema)), PostgresFeedReads(pool, schema), clock
    )


async def rebuild(pool: asyncpg.Pool, settings: NotifySettings, common: CommonSettings) -> str:
    """Rebuild the deadline projection and the feeds from the event stores of their sources
    (each source domain's events are in the schema of that name; notify's own in its schema),
    each in memory and swapped in at the end while the relays, the commands and the processor
    go on (`adapters/deadline_rebuild.py`, `adapters/feed_rebuild.py`). Alerts are events and
    stay; those the replay decides differently are appended at the swap."""
    notify = with_key_grant(bootstrap(pool, settings, common), pool, settings, common)
    schemas = [settings.schema_name if d == SERVICE else d for d in settings.sources]
    replayed = await notify.deadlines.rebuild_beside_live(schemas)
    # the feeds, derived again under the catalogue's current purposes (after a change)
    feeding = [settings.schema_name if d == SERVICE else d for d in feed_sources(settings.sources)]
    fanned = await notify.feed_projection.rebuild_beside_live(feeding)
    return f"{SERVICE}: {replayed} events replayed, {fanned} fanned out to the agency feeds"
