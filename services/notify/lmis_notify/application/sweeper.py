"""The clock half of notify: the sweeper raises every deadline that has fallen due.

A faust timer calls `sweep()` every few seconds (see `entrypoints/processor.py`); nothing here
knows about faust, and nothing reads the wall clock: today is the `Clock`'s. A sweep
  1. stores the deadlines of statutory reports whose `report_due` day has come (the report
     obligations are data; each one remembers how far its deadlines are stored),
  2. raises the pending deadlines whose `due_on` is today or earlier, a batch per transaction
     (whole problems: every due deadline of a subject and rule in the same batch), into one
     open alert per subject and rule (`deadlines.settle`).
At start-up, `merge_crowded` merges the open alerts stored one per deadline by earlier
versions (157 open `loan_overdue` alerts for 9 loans in the demo) into one per problem.
An alert's id is deterministic and its existence is checked under the alerts lock, in the
transaction that appends it and marks its deadline raised, so a sweep repeated after a crash
(or run by two processors at once) raises nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from uuid import uuid4

from lmis_notify.application.deadlines import raise_alerts, settle
from lmis_notify.application.ports import AlertBook, AlertBooks
from lmis_notify.domain.model import Cause
from lmis_notify.domain.reports import report_deadlines
from lmis_notify.domain.rules import RuleSettings
from lmis_shared.clock import Clock

SWEEPER = "lmis-notify-sweeper"
"""The actor of the alerts a sweep raises (no officer caused them: time did)."""


class Sweeper:
    def __init__(
        self,
        books: AlertBooks,
        clock: Clock,
        rules: RuleSettings,
        obligations: Sequence[tuple[str, str, str]],
        batch_size: int = 500,
    ) -> None:
        self._books = books
        self._clock = clock
        self._rules = rules
        self._obligations = list(obligations)
        self._batch_size = batch_size

    async def sync_obligations(self) -> None:
        """Make the stored report obligations those of the settings (at start-up).
        A new obligation is tracked from today: earlier periods predate it."""
        async with self._books.open() as book:
            await book.sync_obligations(self._obligations, self._clock.today())

    async def merge_crowded(self) -> int:
        """Merge the open alerts of every problem that has several into its oldest one (which
        then says how many deadlines passed); returns how many problems were merged."""
        cause = Cause(actor=SWEEPER, correlation_id=uuid4(), at=self._clock.now())
        merged = 0
        while True:
            async with self._books.open() as book:
                pairs = await book.crowded(self._batch_size)
                subjects = await book.subjects({subject for subject, _ in pairs})
                known = [p for p in pairs if p[0] in subjects]
                await settle(book, subjects, known, cause)
            merged += len(known)
            if len(pairs) < self._batch_size or not known:
                return merged

    async def sweep(self, traceparent: str | None = None) -> int:
        """Raise what has fallen due; returns how many alerts are new."""
        today = self._clock.today()
        cause = Cause(
            actor=SWEEPER, correlation_id=uuid4(), at=self._clock.now(), traceparent=traceparent
        )
        async with self._books.open() as book:
            await self._store_report_deadlines(book)
        raised = 0
        while True:
            async with self._books.open() as book:
                due = await book.due(today, self._batch_size)
                raised += await raise_alerts(book, due, cause)
            if len(due) < self._batch_size:
                return raised

    async def _store_report_deadlines(self, book: AlertBook) -> None:
        soon = self._rules.report_due_soon_days
        last = self._clock.today() + timedelta(days=soon)
        for obligation, through in await book.obligations():
            first = obligation.since if through is None else through + timedelta(days=1)
            if first > last:
                continue
            reports = report_deadlines(obligation, first, last, soon)
            # a report submitted early has nothing left to wait for
            done = await book.submitted([s.id for s, _ in reports])
            awaited = [(s, d) for s, d in reports if s.id not in done]
            await book.save_subjects([s for s, _ in awaited], replace=False)
            await book.set_deadlines([d for _, ds in awaited for d in ds], revive=False)
            await book.stored_through(obligation, last)
