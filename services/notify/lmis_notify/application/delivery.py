"""The webhook delivery loop: each due subscription gets its next record, signed (Standard
Webhooks, `standardwebhooks`), and its state moves only with the receiver's answer.

One round: the active subscriptions whose `next_attempt_at` has come, side by side, each
with up to `burst` records in order:
  * no record after its cursor: nothing to do until the next round;
  * delivered (2xx): the cursor passes the record, failures reset, the next one is due at once;
  * failed: failures + 1, the next attempt after `backoff`; after `pause_after` failures in a
    row the subscription pauses and an alert is raised (`on_pause`).
Every attempt is in the delivery log. Time here is the wall clock (`SystemClock`), even in a
demo standing still on a date: receivers refuse a `webhook-timestamp` five minutes off.
The state is written after the answer, so a loop that
stops mid-delivery sends that record again when it starts (at least once; the receiver
de-duplicates on `webhook-id`, the same on every attempt).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from uuid import UUID

from standardwebhooks.webhooks import Webhook

from lmis_notify.application.feed_ports import StoredFeedRecord
from lmis_notify.application.webhook_ports import Attempt, Sender, SubscriptionStore
from lmis_notify.domain.webhooks import Subscription, SubscriptionStatus, backoff
from lmis_shared.clock import Clock
from lmis_shared.events import utc_iso
from lmis_shared.liveness import PROCESS
from lmis_shared.logging import get_logger
from lmis_shared.metrics import meter

log = get_logger(__name__)
OUTCOMES = ("delivered", "failed")
# What operators watch (Prometheus: lmis_webhook_deliveries_total{outcome}); no subscription
# or agency in the labels: a rate of failures is the signal, the delivery log the detail
ATTEMPTS = meter(__name__).create_counter(
    "lmis.webhook.deliveries", unit="{attempt}", description="webhook delivery attempts"
)


@dataclass(frozen=True)
class DeliveryPolicy:
    pause_after: int
    backoff_base: float
    backoff_cap: float
    batch: int = 50
    """Most subscriptions served side by side in one round."""
    burst: int = 20
    """Most records one subscription gets in one round (then the others have their turn)."""


class Delivery:
    def __init__(
        self,
        store: SubscriptionStore,
        sender: Sender,
        clock: Clock,
        policy: DeliveryPolicy,
        on_pause: Callable[[Subscription], Awaitable[None]],
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._store = store
        self._sender = sender
        self._clock = clock
        self._policy = policy
        self._on_pause = on_pause
        self._jitter = jitter
        for outcome in OUTCOMES:  # the series exist before the first attempt
            ATTEMPTS.add(0, {"outcome": outcome})

    async def round(self) -> int:
        """One pass over the due subscriptions, side by side (each one's records in order);
        how many records were delivered."""
        due = await self._store.due(self._clock.now(), self._policy.batch)
        return sum(await asyncio.gather(*(self._drain(i) for i in due)))

    async def _drain(self, subscription_id: UUID) -> int:
        """Up to `burst` records of one subscription, one after the other, while they go."""
        s = await self._store.get(subscription_id)
        delivered = 0
        while s is not None and s.status == SubscriptionStatus.active:
            if delivered >= self._policy.burst:
                break
            s = await self._deliver_next(s)
            if s is None:
                break
            delivered += 1
        return delivered

    async def _deliver_next(self, s: Subscription) -> Subscription | None:
        """The subscription after delivering its next record; None when nothing went (no
        record, a failure, or a concurrent change of the subscription)."""
        record = await self._store.next_record(s)
        now = self._clock.now()
        if record is None:
            return None
        message_id = f"{s.feed}.{record.record.metadata.event_id}"
        body = payload(record)
        headers = signed_headers(s.secrets(now), message_id, now, body)
        sent = await self._sender.post(s.url, body.encode(), headers)
        attempt = Attempt(
            s.id,
            message_id,
            record.record.metadata.event_type,
            record.record.metadata.stream_id,
            record.position,
            s.failures + 1,
            now,
            sent.status_code,
            sent.ok,
            sent.error,
        )
        after = self._after(s, record, sent.ok, now)
        ATTEMPTS.add(1, {"outcome": OUTCOMES[0] if sent.ok else OUTCOMES[1]})
        stored = await self._store.record_attempt(attempt, after)
        if stored and after.status == SubscriptionStatus.paused:
            await self._on_pause(after)
        return after if sent.ok and stored else None

    def _after(
        self, s: Subscription, record: StoredFeedRecord, ok: bool, now: datetime
    ) -> Subscription:
        if ok:
            return replace(
                s, cursor=record.position, failures=0, next_attempt_at=now, revision=s.revision + 1
            )
        failures = s.failures + 1
        p = self._policy
        wait = backoff(failures, p.backoff_base, p.backoff_cap, self._jitter)
        status = SubscriptionStatus.paused if failures >= p.pause_after else s.status
        return replace(
            s, failures=failures, next_attempt_at=now + wait, status=status, revision=s.revision + 1
        )


def payload(stored: StoredFeedRecord) -> str:
    """The body: the record as a CloudEvent in structured JSON mode (the same attributes as
    the Kafka headers), compact."""
    r, m = stored.record, stored.record.metadata
    event = {
        "specversion": "1.0",
        "id": str(m.event_id),
        "source": m.source,
        "type": m.event_type,
        "subject": str(m.stream_id),
        "time": utc_iso(m.recorded_at),
        "datacontenttype": "application/json",
        "streamversion": m.stream_version,
        "traceparent": m.traceparent,
        "data": r.data,
    }
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


def signed_headers(secrets: list[str], message_id: str, at: datetime, body: str) -> dict[str, str]:
    """Standard Webhooks headers; one `v1,` signature per secret (rotation overlap)."""
    at = at.astimezone(UTC)  # `sign` replaces the zone rather than converting to UTC
    signatures = [Webhook(secret).sign(message_id, at, body) for secret in secrets]
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


async def deliver_until(delivery: Delivery, stop: asyncio.Event, interval: float) -> None:
    """Run rounds until `stop`; wait `interval` only when a round delivered nothing. A round
    that fails (the database away) is logged and tried again: the state is in PostgreSQL."""
    while not stop.is_set():
        delivered = 0
        try:
            with PROCESS.busy():
                delivered = await delivery.round()
        except Exception as exc:  # the type only: driver texts may quote row values
            log.error("webhooks.round_failed", error=type(exc).__name__)
        if not delivered:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
