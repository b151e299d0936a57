"""The API's housekeeping of its event store: expired idempotency records are cleared by age
(the command path already ignores them; this bounds the table). Every replica runs it; the
delete is by age, so replicas racing each other only delete the same rows."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog

from lmis_shared.clock import Clock
from lmis_shared.eventstore.api import EventStore

_log = structlog.stdlib.get_logger("lmis.web.housekeeping")
EVERY = timedelta(hours=1)


async def forget_expired_responses(
    store: EventStore, clock: Clock, ttl: timedelta, every: timedelta = EVERY
) -> None:
    """Forever: drop the idempotency records older than `ttl`, then wait `every`."""
    while True:
        try:
            forgotten = await store.forget_responses(clock.now() - ttl)
            _log.info("expired idempotency records forgotten", count=forgotten)
        except Exception:  # the next round tries again; commands do not depend on it
            _log.exception("forgetting expired idempotency records failed")
        await asyncio.sleep(every.total_seconds())
