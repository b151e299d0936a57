"""Webhook subscriptions: register, read, resume, rotate the secret, replay (the API's side).

Who: agency roles and admins. An agency registers for a feed it may read (`Feeds.readable`)
and sees only its own role's subscriptions; another's is 404 (its existence is not confirmed).
A commune officer's subscription is narrowed to its commune. The secret is answered once, at
registration and at rotation, and never again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from lmis_notify.application.feeds import Feeds
from lmis_notify.application.webhook_ports import Attempt, SubscriptionStore
from lmis_notify.domain.webhooks import (
    Subscription,
    SubscriptionStatus,
    check_callback,
    new_secret,
)
from lmis_shared.auth import Principal, Role
from lmis_shared.clock import Clock
from lmis_shared.errors import Forbidden, InvalidInput, NotFound

AGENCY_ROLES = frozenset({Role.ADMIN, Role.POLICE, Role.BANK, Role.FOREIGN_AFFAIRS})


class SubscriptionNotFound(NotFound):
    def __init__(self, subscription_id: UUID) -> None:
        super().__init__("subscription", str(subscription_id))


@dataclass(frozen=True)
class WebhookPolicy:
    allow_http: bool
    allowed_hosts: tuple[str, ...]
    rotation_overlap: timedelta


@dataclass(frozen=True)
class NewSubscription:
    feed: str
    url: str
    event_types: tuple[str, ...] | None = None
    units: tuple[str, ...] | None = None


class Subscriptions:
    def __init__(
        self, store: SubscriptionStore, feeds: Feeds, clock: Clock, policy: WebhookPolicy
    ) -> None:
        self._store = store
        self._feeds = feeds
        self._clock = clock
        self._policy = policy

    async def register(self, principal: Principal, asked: NewSubscription) -> Subscription:
        """The new subscription, secret included (shown this once). Delivery starts with the
        records published from now on; `replay` goes back in time."""
        if principal.role not in AGENCY_ROLES | {Role.COMMUNE_OFFICER}:
            raise Forbidden("webhooks are for agencies")
        definition = await self._feeds.readable(principal, asked.feed)
        url = check_callback(
            asked.url,
            allow_http=self._policy.allow_http,
            allowed_hosts=self._policy.allowed_hosts,
        )
        if asked.event_types and not set(asked.event_types) <= set(definition.event_types):
            raise InvalidInput("body.event_types", "must be event types of the feed")
        units = asked.units
        if principal.role == Role.COMMUNE_OFFICER:
            units = (principal.scope,)
        now = self._clock.now()
        latest = await self._store.position_at(asked.feed, now)  # from now on
        subscription = Subscription(
            id=uuid4(),
            feed=asked.feed,
            owner=principal.subject,
            role=principal.role.value,
            scope=principal.scope,
            url=url,
            event_types=asked.event_types or None,
            units=units,
            secret=new_secret(os.urandom),
            previous_secret=None,
            previous_until=None,
            status=SubscriptionStatus.active,
            failures=0,
            cursor=latest or (0, 0),
            next_attempt_at=now,
            created_at=now,
        )
        await self._store.add(subscription)
        return subscription

    async def mine(self, principal: Principal) -> list[Subscription]:
        self._agency(principal)
        found = await self._store.of_role(None if principal.role == Role.ADMIN else principal.role)
        return [s for s in found if self._owns(principal, s)]

    async def get(self, principal: Principal, subscription_id: UUID) -> Subscription:
        self._agency(principal)
        found = await self._store.get(subscription_id)
        if found is None or not self._owns(principal, found):
            raise SubscriptionNotFound(subscription_id)
        return found

    async def deliveries(
        self, principal: Principal, subscription_id: UUID, limit: int
    ) -> list[Attempt]:
        await self.get(principal, subscription_id)
        return await self._store.deliveries(subscription_id, max(1, min(limit, 500)))

    async def resume(self, principal: Principal, subscription_id: UUID) -> Subscription:
        s = await self.get(principal, subscription_id)
        return await self._save(
            s, status=SubscriptionStatus.active, failures=0, next_attempt_at=self._clock.now()
        )

    async def rotate_secret(self, principal: Principal, subscription_id: UUID) -> Subscription:
        """A new secret (answered once); the old one signs too until the overlap ends."""
        s = await self.get(principal, subscription_id)
        until = self._clock.now() + self._policy.rotation_overlap
        return await self._save(
            s, secret=new_secret(os.urandom), previous_secret=s.secret, previous_until=until
        )

    async def replay(
        self, principal: Principal, subscription_id: UUID, since: datetime
    ) -> Subscription:
        """Deliver again every record of the feed recorded at or after `since`, in order."""
        s = await self.get(principal, subscription_id)
        start = await self._store.position_at(s.feed, since)
        return await self._save(
            s, cursor=start or (0, 0), failures=0, next_attempt_at=self._clock.now()
        )

    async def _save(self, s: Subscription, **changes: object) -> Subscription:
        after = replace(s, revision=s.revision + 1, **changes)  # type: ignore[arg-type]
        await self._store.update(after)
        return after

    def _agency(self, principal: Principal) -> None:
        if principal.role not in AGENCY_ROLES | {Role.COMMUNE_OFFICER}:
            raise Forbidden("webhooks are for agencies")

    def _owns(self, principal: Principal, s: Subscription) -> bool:
        if principal.role == Role.ADMIN:
            return True
        if s.role != principal.role.value:
            return False
        # a commune officer's are its commune's; an agency's role is one agency
        return principal.role != Role.COMMUNE_OFFICER or s.scope == principal.scope
