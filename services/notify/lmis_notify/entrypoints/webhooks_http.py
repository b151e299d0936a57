"""Webhook subscriptions over HTTP (agency roles and admins; an agency sees its own only).

POST /v1/subscriptions                          register: answers the secret, once
GET  /v1/subscriptions                          the caller's subscriptions (no secrets)
GET  /v1/subscriptions/{id}
GET  /v1/subscriptions/{id}/deliveries?limit=   the delivery log, newest first
POST /v1/subscriptions/{id}/resume              after a pause (failures reset)
POST /v1/subscriptions/{id}/rotate-secret       a new secret, once; the old signs too for
                                                LMIS_NOTIFY_WEBHOOK_ROTATION_OVERLAP_HOURS
POST /v1/subscriptions/{id}/replay              deliver again from a point in time
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from lmis_notify.application.webhook_ports import Attempt
from lmis_notify.application.webhooks import NewSubscription, Subscriptions
from lmis_notify.domain.webhooks import Subscription
from lmis_shared.contracts.feeds import FEED_NAME, UNIT_CODE
from lmis_shared.events import utc_iso
from lmis_shared.records import record_from
from lmis_shared.web import PROBLEM_RESPONSES, Context

router = APIRouter(prefix="/v1/subscriptions", tags=["webhooks"])


def _subscriptions(request: Request) -> Subscriptions:
    found: Subscriptions = request.app.state.notify.subscriptions
    return found


App = Annotated[Subscriptions, Depends(_subscriptions)]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, description="the callback: https (http in embedded mode)")
    feed: str = Field(pattern=FEED_NAME)
    event_types: tuple[str, ...] | None = Field(None, description="default: all of the feed's")
    units: tuple[Annotated[str, Field(pattern=UNIT_CODE)], ...] | None = None


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime = Field(description="records recorded at or after this time again")


class SubscriptionOut(BaseModel):
    id: UUID
    feed: str
    url: str
    event_types: tuple[str, ...] | None
    units: tuple[str, ...] | None
    status: str
    failures: int
    next_attempt_at: str
    created_at: str
    secret: str | None = Field(None, description="only when registered or rotated")
    previous_secret_valid_until: str | None = None


class DeliveryOut(BaseModel):
    message_id: str
    event_type: str
    subject: UUID
    position: str
    attempt: int
    attempted_at: str
    status_code: int | None
    outcome: str
    error: str | None


def _out(s: Subscription, *, secret: bool = False) -> SubscriptionOut:
    return record_from(
        SubscriptionOut,
        s,
        next_attempt_at=utc_iso(s.next_attempt_at),
        created_at=utc_iso(s.created_at),
        secret=s.secret if secret else None,
        previous_secret_valid_until=utc_iso(s.previous_until) if s.previous_until else None,
    )


def _delivery(a: Attempt) -> DeliveryOut:
    return DeliveryOut(
        message_id=a.message_id,
        event_type=a.event_type,
        subject=a.subject,
        position=f"{a.position[0]}.{a.position[1]}",
        attempt=a.attempt,
        attempted_at=utc_iso(a.attempted_at),
        status_code=a.status_code,
        outcome="delivered" if a.delivered else "failed",
        error=a.error,
    )


_ERRORS: dict[int | str, dict[str, Any]] = {403: PROBLEM_RESPONSES[403]}


@router.post("", status_code=201, response_model=SubscriptionOut, responses=_ERRORS)
async def register(body: SubscriptionIn, ctx: Context, app: App) -> SubscriptionOut:
    asked = NewSubscription(body.feed, body.url, body.event_types, body.units)
    return _out(await app.register(ctx.principal, asked), secret=True)


@router.get("", response_model=list[SubscriptionOut], responses=_ERRORS)
async def mine(ctx: Context, app: App) -> list[SubscriptionOut]:
    return [_out(s) for s in await app.mine(ctx.principal)]


@router.get("/{subscription_id}", response_model=SubscriptionOut, responses=_ERRORS)
async def one(subscription_id: UUID, ctx: Context, app: App) -> SubscriptionOut:
    return _out(await app.get(ctx.principal, subscription_id))


@router.get("/{subscription_id}/deliveries", response_model=list[DeliveryOut])
async def deliveries(
    subscription_id: UUID,
    ctx: Context,
    app: App,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    return [_delivery(a) for a in await app.deliveries(ctx.principal, subscription_id, limit)]


@router.post("/{subscription_id}/resume", response_model=SubscriptionOut)
async def resume(subscription_id: UUID, ctx: Context, app: App) -> SubscriptionOut:
    return _out(await app.resume(ctx.principal, subscription_id))


@router.post("/{subscription_id}/rotate-secret", response_model=SubscriptionOut)
async def rotate(subscription_id: UUID, ctx: Context, app: App) -> SubscriptionOut:
    return _out(await app.rotate_secret(ctx.principal, subscription_id), secret=True)


@router.post("/{subscription_id}/replay", response_model=SubscriptionOut)
async def replay(subscription_id: UUID, body: ReplayIn, ctx: Context, app: App) -> SubscriptionOut:
    since: datetime = body.since
    return _out(await app.replay(ctx.principal, subscription_id, since))
