"""Notify's alerts over a history, as its processor makes them: the deadline projection fed the
registry's and the permits service's events and the sweeper run by the clock, writing alert
events (raised, updated, resolved) into notify's own event store in a schema of the caller's.

The facts come in two halves with a sweep after each: the first sweep, 40 days before `now`,
raises what had fallen due by then on the facts known so far; the second half's facts (returns,
repayments, permits extended...) resolve or update some of those alerts, and the last sweep, at
`now`, raises the rest. So the alerts of the history are raised in two months, some resolved,
some open, as a live processor leaves them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import asyncpg

from lmis_notify.bootstrap import migrate
from lmis_shared.events import RecordedEvent
from lmis_shared.processing import arrival
from tests.integration.test_alerts import World

FIRST_SWEEP_BEFORE = timedelta(days=40)


async def alerts_over(
    pool: asyncpg.Pool,
    schema: str,
    stores: Sequence[Sequence[RecordedEvent]],
    now: datetime,
    obligations: list[tuple[str, str, str]],
) -> None:
    """Fill notify's store in `schema` from the events of `stores` (each in its order)."""
    await migrate(pool, schema)
    world = World(pool, schema, obligations)
    handled = world.projection.event_types

    async def feed(events: Sequence[RecordedEvent]) -> None:
        # every event, those it does not apply too: they hold their streams' versions
        arrivals = [arrival(e, handled) for e in events]
        for start in range(0, len(arrivals), 500):
            await world.projection.process(arrivals[start : start + 500])

    world.clock.set(now - FIRST_SWEEP_BEFORE)
    await world.sweeper.sync_obligations()
    await feed([e for events in stores for e in events[: len(events) // 2]])
    await world.sweeper.sweep()
    world.clock.set(now)
    await feed([e for events in stores for e in events[len(events) // 2 :]])
    await world.sweeper.sweep()
