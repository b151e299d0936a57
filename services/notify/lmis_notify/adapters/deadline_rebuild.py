"""Rebuilding the deadline projection beside live traffic (`lmis rebuild notify`).

`lmis_shared.processing.rebuilding` reads the event stores in chunks of read-only statements
(no transaction id: the relays go on publishing) into a `DeadlineReplica`, the live use cases
(`Deadlines`, `RecruitmentWatch`) over a `MemoryAlertBook` that starts as `clear` leaves the
tables: the alerts and the raised deadlines as stored, nothing else. Subjects, deadlines,
submissions and signals are staged and swapped in under the projection's lock, as reporting's
indicators are; the live processor meanwhile goes on over the old tables (the swap replays
what it applied since). Alerts reach beyond the tables, since they are events, and the swap
(`AlertSwap`) handles them in the same transaction:

* it takes the alerts lock right after the projection's lock, as the live projection does: the
  sweeper, an acknowledgement and the live projection wait for the short swap only;
* the alert changes the replay decided were decided against the alerts as they were when the
  rebuild began; each is decided again, by the aggregate's `decide`, against the alert as it is
  now (a raise of an alert that exists, figures it already says, a resolve of a resolved one
  decide nothing: the live processor, the sweeper or an officer may have got there first) and
  appended with its cause;
* the book then takes the alerts and raised deadlines as they are now, and the events since
  the replay's bound are replayed over them: their changes are decided on what is stored;
* the report deadlines are the sweeper's: it stores them again (`materialised_through` reset),
  as `AlertBook.clear` had it.

Alert ids are the deadlines' and events are `decide`'s: what the live path appends.
"""

from __future__ import annotations

from collections.abc import Collection, Container, Iterable, Sequence

import asyncpg

from lmis_notify.adapters import _alert_sql as q
from lmis_notify.adapters import alert_book
from lmis_notify.adapters.alert_book import PostgresAlertBook
from lmis_notify.adapters.memory_alert_book import (
    DEADLINES,
    SIGNALS,
    SUBJECTS,
    SUBMISSIONS,
    MemoryAlertBook,
)
from lmis_notify.application.deadlines import Deadlines
from lmis_notify.application.ports import AlertChange
from lmis_notify.application.recruitment import RecruitmentWatch
from lmis_notify.domain import alerts
from lmis_notify.domain.alerts import Alert, AlertCommand, ResolveAlert, UpdateAlert
from lmis_notify.domain.model import Cause, Deadline, Figures
from lmis_shared.contracts.notify import AlertRaised, AlertResolved, AlertRule, AlertUpdated
from lmis_shared.events import EventMetadata, EventPayload
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.eventstore.rows import metadata_from_row
from lmis_shared.processing import Connection
from lmis_shared.processing.rebuilding import rebuild_projection
from lmis_shared.processing.replay import Replayed
from lmis_shared.processing.staging import Replica, Row, Table
from lmis_shared.sql import in_schema

TABLES = {
    SUBJECTS: Table(
        SUBJECTS,
        ("subject_id",),
        ("kind", "unit_code", "province_code", "schedule", "report", "deadlines", "paid_vnd"),
    ),
    DEADLINES: Table(DEADLINES, ("subject_id", "rule", "due_on"), ("status",)),
    SUBMISSIONS: Table(SUBMISSIONS, ("report_id",), ("kind", "unit_code", "period")),
    SIGNALS: Table(SIGNALS, ("subject_id", "kind", "source_id"), ("on_day",)),
}


def event_metadata(event: Replayed) -> EventMetadata:
    """The metadata the live processor reads off the record, from the stored row (upcast)."""
    return metadata_from_row(event.row, event.event_type)


class DeadlineReplica(Replica):
    tables = tuple(TABLES.values())

    def __init__(
        self, book: MemoryAlertBook, deadlines: Deadlines, watch: RecruitmentWatch | None
    ) -> None:
        self.book = book
        self._deadlines = deadlines
        self._watch = watch

    async def apply(self, events: Sequence[Replayed]) -> None:
        if events:
            pairs = [(event_metadata(e), e.payload) for e in events]
            await self._deadlines.apply(self.book, pairs)
            if self._watch is not None:
                await self._watch.apply(self.book, pairs)

    def rows(self, table: Table, keys: Collection[Row] | None = None) -> Iterable[Row]:
        return self.book.rows(table.name, keys)

    def touched(self, table: Table) -> set[Row]:
        written, self.book.written[table.name] = self.book.written[table.name], set()
        return written


async def stored(
    conn: asyncpg.Pool | Connection, schema: str
) -> tuple[list[Alert], list[Deadline]]:
    """The alerts and the raised deadlines as stored: what a rebuild keeps."""
    rows = await conn.fetch(in_schema("SELECT * FROM {s}.alerts", schema))
    raised = await conn.fetch(
        in_schema(
            "SELECT rule, subject_id, due_on FROM {s}.deadlines WHERE status = 'raised'", schema
        )
    )
    return [q.alert_from_row(r) for r in rows], [
        Deadline(AlertRule(r["rule"]), r["subject_id"], r["due_on"]) for r in raised
    ]


class AlertSwap:
    """The deadline projection's part of the swap (`rebuilding.SwapSteps`)."""

    def __init__(self, schema: str, book: MemoryAlertBook, store: PostgresEventStore) -> None:
        self._schema = schema
        self._book = book
        self._store = store

    async def locked(self, conn: Connection) -> None:
        await alert_book.lock(conn, self._schema)
        await self._append(conn)
        self._book.know(*await stored(conn, self._schema))

    async def staged(self, conn: Connection) -> None:
        await self._append(conn)
        await conn.execute(
            in_schema("UPDATE {s}.report_obligations SET materialised_through = NULL", self._schema)
        )

    async def _append(self, conn: Connection) -> None:
        """The book's alert changes, decided again on the alerts as stored, appended."""
        taken = self._book.take_changes()
        if not taken:
            return
        live = PostgresAlertBook(conn, self._schema, self._store)
        states = await live.alerts({c.after.id for _, changes in taken for c in changes})
        again: list[tuple[AlertChange, Cause]] = []
        for cause, changes in taken:
            for change in changes:
                alert_id, before = change.after.id, states.get(change.after.id)
                after, decided = before, []
                for event in change.events:
                    for new in _decided_again(after, event, cause):
                        after = alerts.AGGREGATE.fold_more(after, alert_id, [new])
                        decided.append(new)
                if decided and after is not None:
                    again.append((AlertChange(before, tuple(decided), after), cause))
                    states[alert_id] = after
        await live.save_alerts(again)  # all at once: a stream twice follows on


def _decided_again(state: Alert | None, event: EventPayload, cause: Cause) -> list[EventPayload]:
    """What `decide` gives now for the command that gave `event` (at the same time)."""
    if isinstance(event, AlertRaised):
        return [] if state is not None else [event]  # the raise's own event, or nothing
    if state is None:
        return []  # only a raise starts an alert: the replay's raise found one stored
    command: AlertCommand
    if isinstance(event, AlertUpdated):
        command = UpdateAlert(Figures(event.missed, event.amount_vnd), event.changed_by)
    elif isinstance(event, AlertResolved):
        command = ResolveAlert(event.fixed_by)
    else:
        raise TypeError(f"a replay does not decide {type(event).__name__}")
    return alerts.decide(state, command, cause.at)


async def rebuild_deadlines(
    pool: asyncpg.Pool,
    schema: str,
    projection: tuple[str, Container[str]],
    deadlines: Deadlines,
    watch: RecruitmentWatch | None,
    sources: Sequence[str],
    **options: object,
) -> int:
    """Rebuild the deadline projection (`projection`: its name and the types it handles) from
    the stores of `sources` and swap it in; returns how many events it applied. `options` go
    to `rebuild_projection` (chunk, test hooks, phases)."""
    book = MemoryAlertBook(*await stored(pool, schema))
    name, handled = projection
    return await rebuild_projection(
        pool,
        schema,
        name,
        handled,
        DeadlineReplica(book, deadlines, watch),
        sources,
        steps=AlertSwap(schema, book, PostgresEventStore(pool, schema)),
        **options,  # type: ignore[arg-type]
    )
