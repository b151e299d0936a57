"""Relays the integration tests run on the real PostgreSQL and broker: quick to poll and retry,
and closed when the test ends (the `relays` fixture closes every relay put in its list)."""

from __future__ import annotations

import asyncpg

from lmis_shared.relay import Relay, RelaySettings, build_relay

FAST = RelaySettings(
    poll_interval=0.05, kafka_timeout=1, retry_initial=0.1, retry_max=0.5, cluster_check_interval=0
)


def kept_relay(
    pool: asyncpg.Pool, database_url: str, bootstrap: str, schema: str, topic: str,
    relays: list[Relay], settings: RelaySettings = FAST,
) -> Relay:  # fmt: skip
    """A relay of `schema`, closed at the test's end (by `relays`)."""
    relay = build_relay(
        pool, schema, bootstrap=bootstrap, topic=topic, database_url=database_url,
        settings=settings,
    )  # fmt: skip
    relays.append(relay)
    return relay
