"""The ports of webhook delivery: the subscriptions' store and the HTTP sender."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lmis_notify.application.feed_ports import StoredFeedRecord
from lmis_notify.domain.webhooks import Subscription


@dataclass(frozen=True)
class Attempt:
    subscription_id: UUID
    message_id: str
    event_type: str
    subject: UUID
    position: tuple[int, int]
    attempt: int
    attempted_at: datetime
    status_code: int | None
    delivered: bool
    error: str | None


@dataclass(frozen=True)
class Sent:
    status_code: int | None
    error: str | None
    """A kind of failure (`timeout`, `connect`, `redirect`, `status`), never a body."""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Sender(Protocol):
    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Sent: ...


class SubscriptionStore(Protocol):
    async def add(self, subscription: Subscription) -> None: ...

    async def get(self, subscription_id: UUID) -> Subscription | None: ...

    async def of_role(self, owner_role: str | None) -> list[Subscription]: ...

    async def update(self, subscription: Subscription) -> None: ...

    async def due(self, now: datetime, limit: int) -> list[UUID]: ...

    async def next_record(self, subscription: Subscription) -> StoredFeedRecord | None:
        """The first record of the subscription's feed after its cursor that it wants."""
        ...

    async def record_attempt(self, attempt: Attempt, after: Subscription) -> bool:
        """Log the attempt and store `after`, if the subscription is still as it was read
        (no concurrent resume, replay or rotation changed it); whether it was stored."""
        ...

    async def deliveries(self, subscription_id: UUID, limit: int) -> list[Attempt]: ...

    async def position_at(self, feed: str, since: datetime) -> tuple[int, int] | None:
        """The cursor just before the feed's first record recorded at or after `since`; the
        feed's last position when there is none (None: the feed is empty)."""
        ...
