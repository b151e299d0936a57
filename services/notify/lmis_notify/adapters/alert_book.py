"""The alert tables in PostgreSQL, written inside ONE transaction that holds the alerts lock.

Every writer of an alert stream (the deadline projection, the sweeper, an acknowledgement)
opens a transaction and takes the schema's alerts lock before its first write. That does two
things:
  * one writer at a time: the check "does this alert exist yet?" and the append that creates
    it cannot interleave with another writer's, so an alert is raised once even when a sweep
    and the projection, or two processors, run side by side;
  * transaction ids in lock order: the event store refuses an append into a stream last
    written by a transaction with a larger id (see its `append_events`); since a transaction
    gets its id at its first write, after the lock, that never happens here.
Each alert event is appended (`append_in`, first) and the `alerts` read model updated in the
same transaction, with the deadlines it raises or cancels: all commit, or none does. A sweep
repeated after a crash finds the alert of a deadline already there and appends nothing.

Public API:
    ALERTS_LOCK, migrate(pool, schema)
    PostgresAlertBook(conn, schema, store)       methods below; `lock()` first
    PostgresAlertBooks(pool, schema).open()      async context: a locked book
Statements and row conversions are in `_alert_sql.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import date
from uuid import UUID, uuid4

import asyncpg

from lmis_notify.adapters import _alert_sql as q
from lmis_notify.adapters.migrations import MIGRATIONS
from lmis_notify.domain.model import Alert, Cause, Deadline, Decision, Subject, report_id
from lmis_notify.domain.reports import Obligation
from lmis_shared.contracts.notify import (
    AlertAcknowledged,
    AlertResolved,
    AlertRule,
    ReportRef,
)
from lmis_shared.events import EventPayload, NewEvent
from lmis_shared.eventstore import AppendContext, PostgresEventStore
from lmis_shared.migrations import apply_migrations
from lmis_shared.processing import POSITIONS_MIGRATION, Connection
from lmis_shared.sql import in_schema

ALERTS_LOCK = 0x4C4D4E54  # "LMNT": the alerts lock, apart from the projections' and migrations'
SOURCE = "/lmis/notify"
ALERT_STREAM = "alert"


async def migrate(pool: asyncpg.Pool, schema: str) -> list[str]:
    """The event store, the projection positions and the alert tables (idempotent)."""
    applied = await PostgresEventStore.migrate(pool, schema)
    return applied + await apply_migrations(pool, schema, [POSITIONS_MIGRATION, *MIGRATIONS])


class PostgresAlertBooks:
    """Opens locked books on a pool: `async with books.open() as book: ...` is one transaction."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._schema = schema
        self._store = PostgresEventStore(pool, schema)

    @asynccontextmanager
    async def open(self) -> AsyncIterator[PostgresAlertBook]:
        async with self._pool.acquire() as conn, conn.transaction():
            book = PostgresAlertBook(conn, self._schema, self._store)
            await book.lock()
            yield book


class PostgresAlertBook:
    def __init__(self, conn: Connection, schema: str, store: PostgresEventStore) -> None:
        self._conn = conn
        self._schema = schema
        self._store = store

    def _sql(self, statement: str) -> str:
        return in_schema(statement, self._schema)

    async def lock(self) -> None:
        """Wait for the alerts lock; it is released when the transaction ends."""
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))", ALERTS_LOCK, self._schema
        )

    # --- what the rules remember ------------------------------------------------------------

    async def subjects(self, ids: Iterable[UUID]) -> dict[UUID, Subject]:
        rows = await self._conn.fetch(
            self._sql("SELECT * FROM {s}.alert_subjects WHERE subject_id = ANY($1::uuid[])"),
            list(ids),
        )
        return {row["subject_id"]: q.subject_from_row(row) for row in rows}

    async def save_subjects(self, subjects: Sequence[Subject], *, replace: bool = True) -> None:
        """Store the subjects; without `replace`, one already stored is kept as it is."""
        if not subjects:
            return
        await self._conn.execute(
            self._sql(q.SAVE_SUBJECTS if replace else q.ADD_SUBJECTS), *q.subject_columns(subjects)
        )

    # --- deadlines --------------------------------------------------------------------------

    async def apply(self, decision: Decision, cause: Cause) -> None:
        """Store what one event means: fixes first, then the deadlines it sets."""
        await self.fix(decision.fixes, cause)
        await self.set_deadlines((*decision.deadlines, *decision.raise_now))
        await self.raise_alerts([(d, decision.subject) for d in decision.raise_now], cause)
        if decision.report_submitted is not None:
            await self._record_submission(decision.report_submitted)

    async def set_deadlines(self, deadlines: Sequence[Deadline], *, revive: bool = True) -> None:
        """Store deadlines as pending; with `revive`, a cancelled one becomes pending again
        (a raised one stays raised: its alert exists, and its id would be the same)."""
        if deadlines:
            statement = q.SET_DEADLINES if revive else q.ADD_DEADLINES
            await self._conn.execute(self._sql(statement), *q.deadline_columns(deadlines))

    async def fix(self, fixes: Sequence[Deadline], cause: Cause) -> int:
        """Cancel the deadlines if pending and resolve their alerts if open; returns how many
        alerts were resolved."""
        if not fixes:
            return 0
        rows = await self._conn.fetch(
            self._sql(
                "SELECT id, version, rule, subject_id FROM {s}.alerts"
                " WHERE id = ANY($1::uuid[]) AND resolved_at IS NULL ORDER BY id"
            ),
            [d.alert_id for d in fixes],
        )
        for row in rows:
            resolved = AlertResolved(
                rule=AlertRule(row["rule"]),
                subject_id=row["subject_id"],
                fixed_by=cause.event_type or "unknown",
                resolved_at=cause.at,
            )
            await self._append(row["id"], row["version"], resolved, cause)
        if rows:
            await self._conn.execute(
                self._sql(
                    "UPDATE {s}.alerts SET resolved_at = $2, version = version + 1"
                    " WHERE id = ANY($1::uuid[])"
                ),
                [row["id"] for row in rows],
                cause.at,
            )
        await self._conn.execute(self._sql(q.CANCEL), *q.deadline_columns(fixes))
        return len(rows)

    async def due(self, today: date, limit: int) -> list[tuple[Deadline, Subject]]:
        """Pending deadlines whose day has come, oldest first, with their subjects."""
        rows = await self._conn.fetch(self._sql(q.DUE), today, limit)
        return [
            (Deadline(AlertRule(r["rule"]), r["subject_id"], r["due_on"]), q.subject_from_row(r))
            for r in rows
        ]

    async def raise_alerts(self, items: Sequence[tuple[Deadline, Subject]], cause: Cause) -> int:
        """Raise the alert of each deadline unless it exists; mark the deadlines raised.
        Returns how many alerts are new."""
        if not items:
            return 0
        found = await self._conn.fetch(
            self._sql("SELECT id FROM {s}.alerts WHERE id = ANY($1::uuid[])"),
            [d.alert_id for d, _ in items],
        )
        fresh = {d.alert_id: (d, s) for d, s in items}
        for row in found:
            fresh.pop(row["id"])
        alerts = [q.raised(d, s, cause) for d, s in fresh.values()]
        for alert_id, raised in alerts:
            await self._append(alert_id, 0, raised, cause)
        if alerts:
            await self._conn.execute(self._sql(q.INSERT_ALERTS), *q.alert_columns(alerts))
        await self._conn.execute(
            self._sql(
                "UPDATE {s}.deadlines AS d SET status = 'raised'"
                " FROM unnest($1::uuid[], $2::text[], $3::date[]) AS t(s, r, o)"
                " WHERE d.subject_id = t.s AND d.rule = t.r AND d.due_on = t.o"
                " AND d.status = 'pending'"
            ),
            *q.deadline_columns([d for d, _ in items]),
        )
        return len(alerts)

    # --- acknowledgements -------------------------------------------------------------------

    async def alert(self, alert_id: UUID) -> Alert | None:
        row = await self._conn.fetchrow(
            self._sql("SELECT * FROM {s}.alerts WHERE id = $1"), alert_id
        )
        return q.alert_from_row(row) if row else None

    async def acknowledge(self, alert: Alert, by: str, cause: Cause) -> Alert:
        """Record who saw `alert` and when (it must be the current row; once only)."""
        if alert.acknowledged_at is not None:
            return alert
        acknowledged = AlertAcknowledged(acknowledged_by=by, acknowledged_at=cause.at)
        await self._append(alert.id, alert.version, acknowledged, cause)
        row = await self._conn.fetchrow(
            self._sql(
                "UPDATE {s}.alerts SET acknowledged_by = $2, acknowledged_at = $3,"
                " version = version + 1 WHERE id = $1 RETURNING *"
            ),
            alert.id,
            by,
            cause.at,
        )
        assert row is not None
        return q.alert_from_row(row)

    # --- report obligations -----------------------------------------------------------------

    async def sync_obligations(self, wanted: Sequence[tuple[str, str, str]], since: date) -> None:
        """Make the obligations those of the settings; new ones are tracked from `since`."""
        kinds, units, provinces = ([w[i] for w in wanted] for i in range(3))
        await self._conn.execute(
            self._sql(
                "DELETE FROM {s}.report_obligations WHERE (kind, unit_code) NOT IN"
                " (SELECT * FROM unnest($1::text[], $2::text[]))"
            ),
            kinds,
            units,
        )
        await self._conn.execute(
            self._sql(
                "INSERT INTO {s}.report_obligations (kind, unit_code, province_code, since)"
                " SELECT k, u, p, $4"
                " FROM unnest($1::text[], $2::text[], $3::text[]) AS t(k, u, p)"
                " ON CONFLICT (kind, unit_code)"
                " DO UPDATE SET province_code = excluded.province_code"
            ),
            kinds,
            units,
            provinces,
            since,
        )

    async def obligations(self) -> list[tuple[Obligation, date | None]]:
        """Each obligation with the day its report deadlines are stored through."""
        rows = await self._conn.fetch(
            self._sql("SELECT * FROM {s}.report_obligations ORDER BY kind, unit_code")
        )
        return [
            (
                Obligation(r["kind"], r["unit_code"], r["province_code"], r["since"]),
                r["materialised_through"],
            )
            for r in rows
        ]

    async def store_report_deadlines(
        self,
        obligation: Obligation,
        reports: Sequence[tuple[Subject, tuple[Deadline, ...]]],
        through: date,
    ) -> None:
        """Store the deadlines of reports not submitted yet; note how far they reach."""
        submitted = await self._conn.fetch(
            self._sql("SELECT report_id FROM {s}.report_submissions WHERE report_id = ANY($1)"),
            [s.id for s, _ in reports],
        )
        done = {row["report_id"] for row in submitted}
        awaited = [(s, d) for s, d in reports if s.id not in done]
        await self.save_subjects([s for s, _ in awaited], replace=False)
        await self.set_deadlines([d for _, ds in awaited for d in ds], revive=False)
        await self._conn.execute(
            self._sql(
                "UPDATE {s}.report_obligations SET materialised_through = $3"
                " WHERE kind = $1 AND unit_code = $2"
            ),
            obligation.kind,
            obligation.unit_code,
            through,
        )

    async def _record_submission(self, ref: ReportRef) -> None:
        await self._conn.execute(
            self._sql(
                "INSERT INTO {s}.report_submissions (report_id, kind, unit_code, period)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (report_id) DO NOTHING"
            ),
            report_id(ref),
            ref.kind,
            ref.unit_code,
            ref.period,
        )

    async def clear(self) -> None:
        """Forget every subject, deadline and submission (a rebuild replays them); alerts
        stay: they are events, and their ids make the replayed deadlines find them."""
        for table in ("deadlines", "alert_subjects", "report_submissions"):
            await self._conn.execute(self._sql(f"DELETE FROM {{s}}.{table}"))  # noqa: S608
        await self._conn.execute(
            self._sql("UPDATE {s}.report_obligations SET materialised_through = NULL")
        )

    async def _append(
        self, alert_id: UUID, version: int, payload: EventPayload, cause: Cause
    ) -> None:
        context = AppendContext(
            actor=cause.actor,
            correlation_id=cause.correlation_id,
            causation_id=cause.event_id,
            traceparent=cause.traceparent,
            source=SOURCE,
            recorded_at=cause.at,
        )
        new = [NewEvent(event_id=uuid4(), payload=payload)]
        await self._store.append_in(self._conn, alert_id, ALERT_STREAM, version, new, context)
