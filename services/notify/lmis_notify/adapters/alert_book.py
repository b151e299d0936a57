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
Each alert event is appended (`append_many_in`: every alert of a call in one statement, first)
and the `alerts` read model updated in the same transaction, with the deadlines it raises or
cancels: all commit, or none does. What the events are is decided in the application layer
(`application/deadlines.py`) and the domain; this module only stores them.

Public API:
    ALERTS_LOCK, migrate(pool, schema)
    PostgresAlertBook(conn, schema, store)       the `AlertBook` port; `lock()` first
    PostgresAlertBooks(pool, schema).open()      async context: a locked book
    AlertRows(schema)                            the `alerts` rows as the `ReadModel` of the
                                                 command path (acknowledgements)
Statements and row conversions are in `_alert_sql.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from lmis_notify.adapters import _alert_sql as q
from lmis_notify.adapters.migrations import MIGRATIONS
from lmis_notify.application.ports import SOURCE, AlertChange, Pair
from lmis_notify.domain.alerts import STREAM_TYPE, Alert
from lmis_notify.domain.model import Cause, Deadline, Subject, report_id
from lmis_notify.domain.reports import Obligation
from lmis_shared.commands import Change
from lmis_shared.contracts.notify import AlertRule, ReportRef
from lmis_shared.events import NewEvent
from lmis_shared.eventstore import AppendContext, StreamAppend
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.migrations import apply_migrations
from lmis_shared.processing import POSITIONS_MIGRATIONS, Connection
from lmis_shared.sql import in_schema

ALERTS_LOCK = 0x4C4D4E54  # "LMNT": the alerts lock, apart from the projections' and migrations'


async def migrate(pool: asyncpg.Pool, schema: str) -> list[str]:
    """The event store, the projection positions and the alert tables (idempotent)."""
    applied = await PostgresEventStore.migrate(pool, schema)
    return applied + await apply_migrations(pool, schema, [*POSITIONS_MIGRATIONS, *MIGRATIONS])


async def lock(conn: Connection, schema: str) -> None:
    """Wait for the alerts lock; it is released when the transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", ALERTS_LOCK, schema)


async def save_alert_rows(conn: Connection, schema: str, alerts: Sequence[Alert]) -> None:
    """Write the `alerts` rows as the alerts now are."""
    if alerts:
        await conn.execute(in_schema(q.SAVE_ALERTS, schema), *q.alert_columns(alerts))


def _context(cause: Cause) -> AppendContext:
    return AppendContext(
        actor=cause.actor,
        correlation_id=cause.correlation_id,
        causation_id=cause.event_id,  # the fact behind them (a command's context has none)
        traceparent=cause.traceparent,
        source=SOURCE,
        recorded_at=cause.at,
    )


class AlertRows:
    """The `alerts` read model of a command on an alert stream: the alerts lock before the
    append, the row after it, in the append's transaction."""

    def __init__(self, schema: str) -> None:
        self._schema = schema

    async def guard(self, connection: Any, change: Change[Alert]) -> None:
        await lock(connection, self._schema)

    async def apply(self, connection: Any, change: Change[Alert]) -> None:
        await save_alert_rows(connection, self._schema, [change.after])


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
        await lock(self._conn, self._schema)

    # --- what the rules remember ------------------------------------------------------------

    async def subjects(self, ids: Iterable[UUID]) -> dict[UUID, Subject]:
        rows = await self._conn.fetch(self._sql(q.SUBJECTS), list(ids))
        return {row["subject_id"]: q.subject_from_row(row) for row in rows}

    async def save_subjects(self, subjects: Sequence[Subject], *, replace: bool = True) -> None:
        if not subjects:
            return
        await self._conn.execute(
            self._sql(q.SAVE_SUBJECTS if replace else q.ADD_SUBJECTS), *q.subject_columns(subjects)
        )

    # --- alerts -----------------------------------------------------------------------------

    async def alerts(self, ids: Iterable[UUID]) -> dict[UUID, Alert]:
        rows = await self._conn.fetch(self._sql(q.ALERTS), list(ids))
        return {row["id"]: q.alert_from_row(row) for row in rows}

    async def open_alerts(self, pairs: Sequence[Pair]) -> dict[Pair, list[Alert]]:
        rows = await self._conn.fetch(self._sql(q.OPEN_ALERTS), *q.pair_columns(pairs))
        found: dict[Pair, list[Alert]] = {}
        for row in rows:
            alert = q.alert_from_row(row)
            found.setdefault((alert.subject_id, alert.rule), []).append(alert)
        return found

    async def crowded(self, limit: int) -> list[Pair]:
        rows = await self._conn.fetch(self._sql(q.CROWDED), limit)
        return [(row["subject_id"], AlertRule(row["rule"])) for row in rows]

    async def save_alerts(self, changes: Sequence[tuple[AlertChange, Cause]]) -> None:
        if not changes:
            return
        contexts = {cause: _context(cause) for _, cause in changes}
        appends = [
            StreamAppend(
                change.after.id,
                STREAM_TYPE,
                0 if change.before is None else change.before.version,
                [NewEvent(event_id=uuid4(), payload=e) for e in change.events],
                contexts[cause],
            )
            for change, cause in changes
        ]
        await self._store.append_many_in(self._conn, appends)  # one statement for all
        latest = {change.after.id: change.after for change, _ in changes}  # a stream twice
        await save_alert_rows(self._conn, self._schema, list(latest.values()))

    # --- deadlines --------------------------------------------------------------------------

    async def set_deadlines(
        self, deadlines: Sequence[Deadline], *, revive: bool = True, raised: Sequence[Deadline] = ()
    ) -> None:
        if raised:
            assert revive, "raised at once only where a fact revives"
            # one row each (a row twice in one upsert is refused); raised wins
            status = {**dict.fromkeys(deadlines, "pending"), **dict.fromkeys(raised, "raised")}
            await self._conn.execute(
                self._sql(q.SET_DEADLINES_RAISING),
                *q.deadline_columns(list(status)),
                list(status.values()),
            )
        elif deadlines:
            statement = q.SET_DEADLINES if revive else q.ADD_DEADLINES
            await self._conn.execute(self._sql(statement), *q.deadline_columns(deadlines))

    async def cancel(self, deadlines: Sequence[Deadline]) -> None:
        if deadlines:
            await self._conn.execute(self._sql(q.CANCEL), *q.deadline_columns(deadlines))

    async def raised(self, pairs: Sequence[Pair]) -> dict[Pair, set[Deadline]]:
        rows = await self._conn.fetch(self._sql(q.RAISED), *q.pair_columns(pairs))
        found: dict[Pair, set[Deadline]] = {}
        for r in rows:
            d = Deadline(AlertRule(r["rule"]), r["subject_id"], r["due_on"])
            found.setdefault((d.subject_id, d.rule), set()).add(d)
        return found

    async def due(self, today: date, limit: int) -> list[tuple[Deadline, Subject]]:
        rows = await self._conn.fetch(self._sql(q.DUE), today, limit)
        return [
            (Deadline(AlertRule(r["rule"]), r["subject_id"], r["due_on"]), q.subject_from_row(r))
            for r in rows
        ]

    async def mark_raised(self, deadlines: Sequence[Deadline]) -> None:
        if deadlines:
            await self._conn.execute(self._sql(q.MARK_RAISED), *q.deadline_columns(deadlines))

    # --- statutory reports ------------------------------------------------------------------

    async def record_submission(self, ref: ReportRef) -> None:
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

    async def submitted(self, report_ids: Sequence[UUID]) -> set[UUID]:
        rows = await self._conn.fetch(
            self._sql("SELECT report_id FROM {s}.report_submissions WHERE report_id = ANY($1)"),
            list(report_ids),
        )
        return {row["report_id"] for row in rows}

    async def sync_obligations(self, wanted: Sequence[tuple[str, str, str]], since: date) -> None:
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

    async def stored_through(self, obligation: Obligation, through: date) -> None:
        await self._conn.execute(
            self._sql(
                "UPDATE {s}.report_obligations SET materialised_through = $3"
                " WHERE kind = $1 AND unit_code = $2"
            ),
            obligation.kind,
            obligation.unit_code,
            through,
        )

    # --- recruitment signals (application/recruitment.py) -------------------------------------

    async def record_signal(self, subject_id: UUID, kind: str, source_id: UUID, on: date) -> None:
        await self._conn.execute(
            self._sql(
                "INSERT INTO {s}.recruitment_signals (subject_id, kind, source_id, on_day)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
            ),
            subject_id,
            kind,
            source_id,
            on,
        )

    async def count_signals(
        self, subject_id: UUID, kinds: Sequence[str], since: date, until: date
    ) -> int:
        found = await self._conn.fetchval(
            self._sql(
                "SELECT count(*) FROM {s}.recruitment_signals WHERE subject_id = $1"
                " AND kind = ANY($2::text[]) AND on_day BETWEEN $3 AND $4"
            ),
            subject_id,
            list(kinds),
            since,
            until,
        )
        return int(found)

    async def clear(self) -> None:
        for table in ("alert_subjects", "report_submissions", "recruitment_signals"):
            await self._conn.execute(self._sql(f"DELETE FROM {{s}}.{table}"))  # noqa: S608
        await self._conn.execute(self._sql("DELETE FROM {s}.deadlines WHERE status <> 'raised'"))
        await self._conn.execute(
            self._sql("UPDATE {s}.report_obligations SET materialised_through = NULL")
        )
