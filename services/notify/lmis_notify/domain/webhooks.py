"""Webhook subscriptions of agencies without Kafka: which records a subscription gets, when a
failed delivery is tried again, and when a subscription pauses (pure).

Delivery is at least once and in order per subscription: a subscription's cursor stands on the
last record its receiver acknowledged (2xx); the next record matching its filters is sent until
it is acknowledged, waiting `backoff` between attempts (exponential, full jitter, capped). After
`pause_after` failures in a row it pauses (and an alert is raised); resuming sends the same
record again. Secrets follow Standard Webhooks (`whsec_` + base64 of 32 random bytes); while a
rotated secret's overlap lasts, deliveries carry a signature with each.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit
from uuid import UUID

from lmis_shared.errors import InvalidInput

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 32


class SubscriptionStatus(StrEnum):
    active = "active"
    paused = "paused"


@dataclass(frozen=True)
class Subscription:
    id: UUID
    feed: str
    owner: str
    """The token subject that registered it (an officer or service account id)."""
    role: str
    scope: str
    url: str
    event_types: tuple[str, ...] | None
    units: tuple[str, ...] | None
    secret: str
    previous_secret: str | None
    previous_until: datetime | None
    status: SubscriptionStatus
    failures: int
    cursor: tuple[int, int]
    next_attempt_at: datetime
    created_at: datetime
    revision: int = 0

    def secrets(self, now: datetime) -> list[str]:
        """The secrets a delivery is signed with now: the current one, and the previous one
        while its overlap lasts."""
        overlapping = self.previous_secret and self.previous_until and now < self.previous_until
        return [self.secret, self.previous_secret] if overlapping else [self.secret]  # type: ignore[list-item]


def new_secret(random_bytes: Callable[[int], bytes]) -> str:
    return SECRET_PREFIX + base64.b64encode(random_bytes(SECRET_BYTES)).decode()


def backoff(attempt: int, base: float, cap: float, jitter: Callable[[], float]) -> timedelta:
    """How long to wait after the `attempt`-th failure in a row: full jitter over
    min(cap, base * 2^(attempt-1)) (`jitter()` in [0, 1)), never less than a tenth of base."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return timedelta(seconds=max(base / 10, ceiling * jitter()))


def check_callback(url: str, *, allow_http: bool, allowed_hosts: tuple[str, ...]) -> str:
    """The callback URL if acceptable: https (http only where allowed: embedded mode), a host,
    no credentials, and a host of the allow-list when there is one. Refusals name the field,
    never echo the value."""
    parts = urlsplit(url)
    if parts.scheme not in (("https", "http") if allow_http else ("https",)):
        raise InvalidInput("body.url", "must be an https URL")
    if not parts.hostname or parts.username or parts.password:
        raise InvalidInput("body.url", "must name a host and carry no credentials")
    if allowed_hosts and parts.hostname.lower() not in allowed_hosts:
        raise InvalidInput("body.url", "host is not on the callback allow-list")
    return url
