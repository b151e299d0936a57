"""The feed relay: the feed outbox onto the agencies' topics, with the services' relay.

The same gap-safe `lmis_shared.relay.Relay` as every service's events (checkpoint after the
broker's acknowledgement, per broker cluster; idempotent producer; one relay at a time through
an advisory lock of its own, `<schema>.feeds`), over the outbox instead of an event store, and
routing each row to its feed's topic (`lmis.agency.<feed>`, or `.<commune>` for a per-commune
feed). It runs inside the notify processor process, beside the agents that fill the outbox.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from lmis_notify.adapters.feed_store import FeedOutboxSource
from lmis_shared.contracts.feeds import AGENCY
from lmis_shared.liveness import PROCESS
from lmis_shared.relay import KafkaPublisher, PostgresCheckpoints, PostgresRelayLock, Relay
from lmis_shared.relay import migrate as migrate_checkpoints
from lmis_shared.settings import CommonSettings

SERVICE = "notify-feeds"


def routed_topic(event: Any) -> str:
    topic: str = event.topic
    return topic


async def build_feed_relay(pool: asyncpg.Pool, schema: str, common: CommonSettings) -> Relay:
    await migrate_checkpoints(pool, schema)
    prefix = common.topic_prefix
    return Relay(
        FeedOutboxSource(pool, schema, prefix),
        PostgresCheckpoints(pool, schema),
        # the checkpoint's name; every record names its own topic under it
        KafkaPublisher(
            common.kafka_bootstrap,
            f"{prefix}.{AGENCY}",
            login=common.kafka_login(),
            routed_only=True,
        ),
        lock=PostgresRelayLock(common.database_dsn(), f"{schema}.feeds"),
        liveness=PROCESS,
        service=SERVICE,
        route=routed_topic,
    )
