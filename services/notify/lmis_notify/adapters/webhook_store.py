"""Webhook subscriptions and their delivery log in PostgreSQL (`migrations/0003_webhooks.sql`)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from lmis_notify.adapters import feed_sql as q
from lmis_notify.adapters.feed_store import stored_record
from lmis_notify.application.feed_ports import StoredFeedRecord
from lmis_notify.application.webhook_ports import Attempt
from lmis_notify.domain.webhooks import Subscription, SubscriptionStatus
from lmis_shared.sql import in_schema

_COLUMNS = (
    "id, feed, owner, role, scope, url, event_types, units, secret, previous_secret,"
    " previous_until, status, failures, cursor_tx, cursor_seq, next_attempt_at, created_at,"
    " revision"
)
_INSERT = (
    "insert into {s}.webhook_subscriptions (id, url, event_types, units, secret,"
    " previous_secret, previous_until, status, failures, cursor_tx, cursor_seq,"
    " next_attempt_at, revision, feed, owner, role, scope, created_at) values"
    " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::xid8, $11, $12, $13, $14, $15, $16, $17, $18)"
)
_SET = (
    "update {s}.webhook_subscriptions set url = $2, event_types = $3, units = $4, secret = $5,"
    " previous_secret = $6, previous_until = $7, status = $8, failures = $9,"
    " cursor_tx = $10::xid8, cursor_seq = $11, next_attempt_at = $12, revision = $13"
    " where id = $1"
)
_GET = f"select {_COLUMNS} from {{s}}.webhook_subscriptions where id = $1"  # noqa: S608
_LIST = (
    f"select {_COLUMNS} from {{s}}.webhook_subscriptions"  # noqa: S608
    " where ($1::text is null or role = $1) order by created_at, id"
)
_DUE = (
    "select id from {s}.webhook_subscriptions where status = 'active' and next_attempt_at <= $1"
    " order by next_attempt_at limit $2"
)
_NEXT = (
    f"select {q.OUTBOX_COLUMNS} from {{s}}.feed_outbox"  # noqa: S608
    " where feed = $1 and (tx_id, seq) > ($2::xid8, $3::bigint)"
    " and ($4::text[] is null or event_type = any($4)) and ($5::text[] is null or unit = ''"
    f" or unit = any($5)) and {q.VISIBLE} order by tx_id, seq limit 1"
)
_LOG = (
    "insert into {s}.webhook_deliveries (subscription_id, message_id, event_type, subject,"
    " position, attempt, attempted_at, status_code, outcome, error)"
    " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
)
_DELIVERIES = (
    "select subscription_id, message_id, event_type, subject, position, attempt, attempted_at,"
    " status_code, outcome, error from {s}.webhook_deliveries where subscription_id = $1"
    " order by id desc limit $2"
)
_FIRST_SINCE = (
    "select tx_id, seq from {s}.feed_outbox where feed = $1 and recorded_at >= $2"  # noqa: S608
    f" and {q.VISIBLE} order by tx_id, seq limit 1"
)
_LAST = (
    f"select tx_id, seq from {{s}}.feed_outbox where feed = $1 and {q.VISIBLE}"  # noqa: S608
    " order by tx_id desc, seq desc limit 1"
)


class PostgresSubscriptions:
    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._schema = schema

    def _sql(self, statement: str) -> str:
        return in_schema(statement, self._schema)

    async def add(self, s: Subscription) -> None:
        fixed = [s.feed, s.owner, s.role, s.scope, s.created_at]
        await self._pool.execute(self._sql(_INSERT), *_changes(s), *fixed)

    async def get(self, subscription_id: UUID) -> Subscription | None:
        row = await self._pool.fetchrow(self._sql(_GET), subscription_id)
        return None if row is None else _subscription(row)

    async def of_role(self, owner_role: str | None) -> list[Subscription]:
        return [_subscription(r) for r in await self._pool.fetch(self._sql(_LIST), owner_role)]

    async def update(self, s: Subscription) -> None:
        await self._pool.execute(self._sql(_SET), *_changes(s))

    async def due(self, now: datetime, limit: int) -> list[UUID]:
        return [r[0] for r in await self._pool.fetch(self._sql(_DUE), now, limit)]

    async def next_record(self, s: Subscription) -> StoredFeedRecord | None:
        row = await self._pool.fetchrow(
            self._sql(_NEXT),
            s.feed,
            s.cursor[0],
            s.cursor[1],
            _array(s.event_types),
            _array(s.units),
        )
        return None if row is None else stored_record(row)

    async def record_attempt(self, attempt: Attempt, after: Subscription) -> bool:
        async with self._pool.acquire() as conn, conn.transaction():
            # stored only over the revision it was read at: a resume, replay or rotation
            # meanwhile wins, and this attempt is not logged as having moved anything
            done = await conn.execute(
                self._sql(_SET) + " and revision = $14", *_changes(after), after.revision - 1
            )
            if done != "UPDATE 1":
                return False
            await conn.execute(
                self._sql(_LOG),
                attempt.subscription_id,
                attempt.message_id,
                attempt.event_type,
                attempt.subject,
                f"{attempt.position[0]}.{attempt.position[1]}",
                attempt.attempt,
                attempt.attempted_at,
                attempt.status_code,
                "delivered" if attempt.delivered else "failed",
                attempt.error,
            )
        return True

    async def deliveries(self, subscription_id: UUID, limit: int) -> list[Attempt]:
        rows = await self._pool.fetch(self._sql(_DELIVERIES), subscription_id, limit)
        return [
            Attempt(
                r["subscription_id"],
                r["message_id"],
                r["event_type"],
                r["subject"],
                _position(r["position"]),
                r["attempt"],
                r["attempted_at"],
                r["status_code"],
                r["outcome"] == "delivered",
                r["error"],
            )
            for r in rows
        ]

    async def position_at(self, feed: str, since: datetime) -> tuple[int, int] | None:
        first = await self._pool.fetchrow(self._sql(_FIRST_SINCE), feed, since)
        if first is not None:
            return int(first["tx_id"]), int(first["seq"]) - 1  # just before it
        last = await self._pool.fetchrow(self._sql(_LAST), feed)
        return None if last is None else (int(last["tx_id"]), int(last["seq"]))


def _array(values: tuple[str, ...] | None) -> list[str] | None:
    return None if values is None else list(values)


def _position(text: str) -> tuple[int, int]:
    tx, seq = text.split(".")
    return int(tx), int(seq)


def _changes(s: Subscription) -> list[object]:
    return [
        s.id,
        s.url,
        _array(s.event_types),
        _array(s.units),
        s.secret,
        s.previous_secret,
        s.previous_until,
        s.status.value,
        s.failures,
        s.cursor[0],
        s.cursor[1],
        s.next_attempt_at,
        s.revision,
    ]


def _subscription(r: asyncpg.Record) -> Subscription:
    return Subscription(
        id=r["id"],
        feed=r["feed"],
        owner=r["owner"],
        role=r["role"],
        scope=r["scope"],
        url=r["url"],
        event_types=tuple(r["event_types"]) if r["event_types"] is not None else None,
        units=tuple(r["units"]) if r["units"] is not None else None,
        secret=r["secret"],
        previous_secret=r["previous_secret"],
        previous_until=r["previous_until"],
        status=SubscriptionStatus(r["status"]),
        failures=r["failures"],
        cursor=(int(r["cursor_tx"]), int(r["cursor_seq"])),
        next_attempt_at=r["next_attempt_at"],
        created_at=r["created_at"],
        revision=r["revision"],
    )
