"""What operators watch of a relay (Prometheus names; `lmis_shared.metrics`):

  lmis_relay_lag_events{service}               events committed in the service's event store
                                               that the broker the relay publishes to has not
                                               acknowledged
  lmis_relay_published_events_total{service}   events the broker acknowledged (`core.py`)

Lag is counted in the store, where it is true whatever the broker does: the committed events
after the relay's checkpoint for the cluster it publishes to. All committed ones, not only
those a round may read yet: an event committed while an older transaction still runs waits
behind `read_all`'s horizon (the gap-safe order), and it is waiting all the same. None can be
unpublished below the checkpoint, since nothing commits behind a position a round passed.
The count runs over the `(tx_id, seq)` index from the checkpoint on, so it costs what the
backlog is: nothing in the normal case.

A relay that has not reached a broker yet (started during an outage, or standing by) counts
from the checkpoint written last for its topic, the cluster most likely current; with no
checkpoint at all everything is waiting. A broker that comes back as a new cluster has no
checkpoint: the lag is then the whole store, which the relay publishes again.

`report_lag` keeps the gauge fresh from the relay process's event loop every
`LMIS_METRICS_INTERVAL` seconds; a failed count (the database away) keeps the last value.
"""

from __future__ import annotations

import asyncio

import asyncpg

from lmis_shared.logging import get_logger
from lmis_shared.metrics import meter
from lmis_shared.migrations import quoted_schema
from lmis_shared.relay.checkpoints import PostgresCheckpoints
from lmis_shared.relay.core import TRANSIENT_ERRORS, Relay

log = get_logger(__name__)

LAG = meter(__name__).create_gauge(
    "lmis.relay.lag_events",
    unit="{event}",
    description="events committed in the service's event store, not yet acknowledged by the"
    " broker the relay publishes to",
)


class RelayLag:
    """Counts a store's committed events that a topic's broker has not acknowledged."""

    def __init__(self, pool: asyncpg.Pool, schema: str, topic: str) -> None:
        self._pool = pool
        self._topic = topic
        self._checkpoints = PostgresCheckpoints(pool, schema)
        # {schema} is a validated identifier, never caller text
        self._after = (
            f"select count(*) from {quoted_schema(schema)}.events"  # noqa: S608
            " where (tx_id, seq) > ($1::xid8, $2::bigint)"
        )

    async def events(self, cluster: str | None) -> int:
        """Committed events past the checkpoint of `cluster` (None: the latest checkpoint)."""
        if cluster is None:
            position = await self._checkpoints.latest(self._topic)
        else:
            position = await self._checkpoints.load(cluster, self._topic)
        tx_id, seq = position or (0, 0)
        return int(await self._pool.fetchval(self._after, tx_id, seq))


async def report_lag(lag: RelayLag, relay: Relay, interval: float) -> None:
    """Set the lag gauge of `relay`'s service every `interval` seconds until cancelled."""
    failing = False
    while True:
        try:
            LAG.set(await lag.events(relay.cluster), {"service": relay.service})
            failing = False
        except TRANSIENT_ERRORS as exc:
            if not failing:  # the relay logs the outage itself; once is enough here
                log.warning("relay.lag_unknown", topic=relay.topic, error=type(exc).__name__)
            failing = True
        await asyncio.sleep(interval)
