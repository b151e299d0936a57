"""Both halves of notify on an in-memory alert book: the event half (`Deadlines`, what each event
means) and the clock half (`Sweeper`, what has fallen due), each driven through the port the
PostgreSQL book implements. tests/integration/test_alerts.py runs the same halves on PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from lmis_notify.application.deadlines import Deadlines, raise_alerts
from lmis_notify.application.ports import AlertChange, Pair
from lmis_notify.application.sweeper import SWEEPER, Sweeper
from lmis_notify.domain.alerts import Alert
from lmis_notify.domain.model import Cause, Deadline, Subject, alert_id, report_id
from lmis_notify.domain.reports import Obligation
from lmis_notify.domain.rules import RuleSettings
from lmis_shared.clock import VIETNAM_TZ, FixedClock
from lmis_shared.contracts import registry as r
from lmis_shared.contracts.notify import (
    AlertRaised,
    AlertResolved,
    AlertRule,
    ReportRef,
    ReportSubmitted,
    SubjectKind,
)
from lmis_shared.events import EventPayload
from lmis_shared.processing import Decoded
from tests.unit.alert_examples import (
    COMMUNE,
    PROVINCE,
    Stream,
    contract_signed,
    disbursement,
    instalments,
    repayment,
    worker_registered,
)

RULES = RuleSettings()


class MemoryBook:
    """The `AlertBook` port in memory: alerts with their events, deadlines with their status."""

    def __init__(self) -> None:
        self.known: dict[UUID, Subject] = {}
        self.alerts_by_id: dict[UUID, Alert] = {}
        self.events: list[tuple[UUID, int, EventPayload, Cause]] = []
        """(alert id, version, event, cause), in the order they were appended."""
        self.deadlines: dict[Deadline, str] = {}
        self.reports: set[UUID] = set()
        self.duties: dict[tuple[str, str], tuple[Obligation, date | None]] = {}

    async def subjects(self, ids: Iterable[UUID]) -> dict[UUID, Subject]:
        return {i: self.known[i] for i in ids if i in self.known}

    async def save_subjects(self, subjects: Sequence[Subject], *, replace: bool = True) -> None:
        for s in subjects:
            if replace or s.id not in self.known:
                self.known[s.id] = s

    async def alerts(self, ids: Iterable[UUID]) -> dict[UUID, Alert]:
        return {i: self.alerts_by_id[i] for i in ids if i in self.alerts_by_id}

    async def save_alerts(self, changes: Sequence[tuple[AlertChange, Cause]]) -> None:
        for change, cause in changes:
            stored = self.alerts_by_id.get(change.after.id)
            assert stored == change.before, "decided on the alert as stored"
            version = 0 if stored is None else stored.version
            for event in change.events:
                version += 1
                self.events.append((change.after.id, version, event, cause))
            assert version == change.after.version
            self.alerts_by_id[change.after.id] = change.after

    async def open_alerts(self, pairs: Sequence[Pair]) -> dict[Pair, list[Alert]]:
        found: dict[Pair, list[Alert]] = {}
        for a in sorted(self.alerts_by_id.values(), key=lambda a: (a.due_on, a.id)):
            if (a.subject_id, a.rule) in pairs and a.resolved_at is None:
                found.setdefault((a.subject_id, a.rule), []).append(a)
        return found

    async def crowded(self, limit: int) -> list[Pair]:
        counts = Counter(
            (a.subject_id, a.rule) for a in self.alerts_by_id.values() if a.resolved_at is None
        )
        return sorted(p for p, n in counts.items() if n > 1)[:limit]

    async def raised(self, pairs: Sequence[Pair]) -> dict[Pair, set[Deadline]]:
        found: dict[Pair, set[Deadline]] = {}
        for d, status in self.deadlines.items():
            if status == "raised" and (d.subject_id, d.rule) in pairs:
                found.setdefault((d.subject_id, d.rule), set()).add(d)
        return found

    async def set_deadlines(
        self, deadlines: Sequence[Deadline], *, revive: bool = True, raised: Sequence[Deadline] = ()
    ) -> None:
        await self._set([*deadlines, *raised], revive)
        await self.mark_raised(raised)

    async def _set(self, deadlines: Sequence[Deadline], revive: bool) -> None:
        for d in deadlines:
            status = self.deadlines.get(d)
            if status is None or (revive and status == "cancelled"):
                self.deadlines[d] = "pending"

    async def cancel(self, deadlines: Sequence[Deadline]) -> None:
        self._move(deadlines, "cancelled")

    async def due(self, today: date, limit: int) -> list[tuple[Deadline, Subject]]:
        pending = [d for d, s in self.deadlines.items() if s == "pending" and d.due_on <= today]
        pending.sort(key=lambda d: (d.due_on, d.subject_id, d.rule.value))
        pairs = list(dict.fromkeys((d.subject_id, d.rule) for d in pending))[:limit]
        whole = [d for d in pending if (d.subject_id, d.rule) in pairs]  # whole problems
        return [(d, self.known[d.subject_id]) for d in whole]

    async def mark_raised(self, deadlines: Sequence[Deadline]) -> None:
        self._move(deadlines, "raised")

    async def record_submission(self, ref: ReportRef) -> None:
        self.reports.add(report_id(ref))

    async def submitted(self, report_ids: Sequence[UUID]) -> set[UUID]:
        return self.reports & set(report_ids)

    async def sync_obligations(self, wanted: Sequence[tuple[str, str, str]], since: date) -> None:
        keep = {(kind, unit) for kind, unit, _ in wanted}
        self.duties = {k: v for k, v in self.duties.items() if k in keep}
        for kind, unit, province in wanted:
            old = self.duties.get((kind, unit))
            start, through = (old[0].since, old[1]) if old else (since, None)
            self.duties[(kind, unit)] = (Obligation(kind, unit, province, start), through)

    async def obligations(self) -> list[tuple[Obligation, date | None]]:
        return [self.duties[k] for k in sorted(self.duties)]

    async def stored_through(self, obligation: Obligation, through: date) -> None:
        key = (obligation.kind, obligation.unit_code)
        self.duties[key] = (self.duties[key][0], through)

    async def clear(self) -> None:
        self.known, self.reports = {}, set()
        self.deadlines = {d: s for d, s in self.deadlines.items() if s == "raised"}
        self.duties = {k: (o, None) for k, (o, _) in self.duties.items()}

    def _move(self, deadlines: Sequence[Deadline], status: str) -> None:
        for d in deadlines:
            if self.deadlines.get(d) == "pending":
                self.deadlines[d] = status

    def facts(self, alert: UUID) -> list[str]:
        return [type(e).__name__ for i, _, e, _ in self.events if i == alert]


class MemoryBooks:
    def __init__(self) -> None:
        self.book = MemoryBook()

    @asynccontextmanager
    async def open(self) -> AsyncIterator[MemoryBook]:
        yield self.book


class World:
    def __init__(self, obligations: Sequence[tuple[str, str, str]] = ()) -> None:
        self.clock = FixedClock(datetime(2026, 1, 1, 9, tzinfo=VIETNAM_TZ))
        self.books = MemoryBooks()
        self.book = self.books.book
        self.deadlines = Deadlines(RULES, self.clock)
        self.sweeper = Sweeper(self.books, self.clock, RULES, obligations, batch_size=2)

    async def apply(self, *events: Decoded) -> None:
        await self.deadlines.apply(self.book, [(d.event.metadata, d.payload) for d in events])

    async def sweep_on(self, day: date) -> int:
        self.clock.set(datetime.combine(day, datetime.min.time(), VIETNAM_TZ) + timedelta(hours=9))
        return await self.sweeper.sweep()


def abroad(worker: Stream) -> tuple[Decoded, Decoded]:
    """A worker registered with a contract that ends on 31 May 2026 (overdue from 1 July)."""
    return worker.event(worker_registered()), worker.event(contract_signed(date(2026, 5, 31)))


def report_stream(report: UUID) -> Stream:
    stream = Stream("report")
    stream.id = report
    return stream


@pytest.fixture
def world() -> World:
    return World()


# --- the event half sets deadlines, the clock half raises them --------------------------------


async def test_a_deadline_set_by_an_event_is_raised_on_its_day_once(world: World) -> None:
    worker = Stream("worker")
    await world.apply(
        worker.event(worker_registered()), worker.event(contract_signed(date(2026, 5, 31)))
    )
    overdue = Deadline(AlertRule.overdue_return, worker.id, date(2026, 7, 1))
    assert world.book.deadlines == {overdue: "pending"}

    assert await world.sweep_on(date(2026, 6, 30)) == 0
    assert await world.sweep_on(date(2026, 7, 1)) == 1
    assert await world.sweep_on(date(2026, 7, 2)) == 0

    assert world.book.deadlines[overdue] == "raised"
    [(alert, version, raised, cause)] = world.book.events
    assert (alert, version) == (overdue.alert_id, 1)
    assert isinstance(raised, AlertRaised)
    assert (raised.unit_code, raised.province_code) == (COMMUNE, PROVINCE)
    assert raised.raised_at == world.clock.now() - timedelta(days=1)
    assert cause.actor == SWEEPER


async def test_the_fixing_event_resolves_the_alert_and_names_itself(world: World) -> None:
    worker = Stream("worker")
    await world.apply(
        worker.event(worker_registered()), worker.event(contract_signed(date(2026, 5, 31)))
    )
    await world.sweep_on(date(2026, 7, 1))
    returned = worker.event(
        r.WorkerReturned(return_date=date(2026, 7, 20), reason=r.ReturnReason.personal)
    )

    await world.apply(returned)
    await world.apply(returned)  # the projection skips a redelivery; the aggregate would too

    overdue = alert_id(AlertRule.overdue_return, worker.id, date(2026, 7, 1))
    assert world.book.facts(overdue) == ["AlertRaised", "AlertResolved"]
    _, version, resolved, cause = world.book.events[-1]
    assert isinstance(resolved, AlertResolved)
    assert (version, resolved.fixed_by) == (2, "lmis.registry.worker.returned.v1")
    assert (cause.event_id, cause.actor) == (returned.event.metadata.event_id, "officer-1")
    assert world.book.alerts_by_id[overdue].resolved_at == world.clock.now()


async def test_a_fix_before_the_day_cancels_the_deadline_and_nothing_is_raised(
    world: World,
) -> None:
    worker = Stream("worker")
    await world.apply(
        worker.event(worker_registered()), worker.event(contract_signed(date(2026, 5, 31)))
    )
    await world.apply(
        worker.event(r.WorkerReturned(return_date=date(2026, 6, 2), reason=r.ReturnReason.personal))
    )

    assert await world.sweep_on(date(2027, 1, 1)) == 0
    assert set(world.book.deadlines.values()) == {"cancelled"}
    assert world.book.events == []


async def test_an_absconding_is_raised_by_the_event_itself(world: World) -> None:
    worker = Stream("worker")
    fled = r.WorkerAbsconded(absconded_on=date(2026, 4, 2), source=r.ReportSource.employer)

    await world.apply(worker.event(worker_registered()), worker.event(fled))

    absconded = alert_id(AlertRule.absconded, worker.id, date(2026, 4, 2))
    assert world.book.facts(absconded) == ["AlertRaised"]
    assert await world.sweep_on(date(2026, 4, 3)) == 0  # its deadline is marked raised


async def test_a_sweep_raises_everything_due_batch_after_batch(world: World) -> None:
    workers = [Stream("worker") for _ in range(5)]
    for worker in workers:
        await world.apply(
            worker.event(worker_registered()), worker.event(contract_signed(date(2026, 5, 31)))
        )

    assert await world.sweep_on(date(2026, 8, 1)) == 5  # batches of 2, 2 and 1

    assert set(world.book.deadlines.values()) == {"raised"}


async def test_raising_the_same_deadline_twice_in_one_go_raises_one_alert(world: World) -> None:
    deadline = Deadline(AlertRule.loan_overdue, uuid4(), date(2026, 3, 16))
    subject = Subject(
        deadline.subject_id, SubjectKind.loan, COMMUNE, PROVINCE, deadlines=frozenset({deadline})
    )
    cause = Cause(SWEEPER, uuid4(), world.clock.now())
    await world.book.set_deadlines([deadline])

    raised = await raise_alerts(world.book, [(deadline, subject), (deadline, subject)], cause)

    assert raised == 1
    assert await raise_alerts(world.book, [(deadline, subject)], cause) == 0
    assert world.book.facts(deadline.alert_id) == ["AlertRaised"]


# --- statutory reports: obligations are the clock's, submissions are events -----------------


async def test_a_report_is_due_then_late_until_the_submission_resolves_both() -> None:
    world = World([("monthly", COMMUNE, PROVINCE)])
    world.clock.set(datetime(2026, 3, 20, 9, tzinfo=VIETNAM_TZ))
    await world.sweeper.sync_obligations()  # tracked from 20 March: March's report first
    ref = ReportRef(kind="monthly", unit_code=COMMUNE, period="2026-03")
    report = report_id(ref)

    assert await world.sweep_on(date(2026, 4, 5)) == 1
    assert await world.sweep_on(date(2026, 4, 11)) == 1
    submitted = ReportSubmitted(report=ref, submitted_on=date(2026, 4, 12), submitted_by="o-3")
    await world.apply(report_stream(report).event(submitted))

    for rule, day in ((AlertRule.report_due, 5), (AlertRule.report_late, 11)):
        alert = alert_id(rule, report, date(2026, 4, day))
        assert world.book.facts(alert) == ["AlertRaised", "AlertResolved"]
    assert report in world.book.reports


async def test_a_report_submitted_early_never_falls_due() -> None:
    world = World([("monthly", COMMUNE, PROVINCE)])
    world.clock.set(datetime(2026, 3, 20, 9, tzinfo=VIETNAM_TZ))
    await world.sweeper.sync_obligations()
    ref = ReportRef(kind="monthly", unit_code=COMMUNE, period="2026-03")
    submitted = ReportSubmitted(report=ref, submitted_on=date(2026, 3, 31), submitted_by="o-3")
    await world.apply(report_stream(report_id(ref)).event(submitted))

    assert await world.sweep_on(date(2026, 4, 30)) == 0
    assert world.book.events == []


# --- one problem, one alert ---------------------------------------------------------------


async def test_a_loan_s_missed_instalments_are_one_alert_raised_then_updated(world: World) -> None:
    loan = Stream("loan")
    dues = [date(2026, 2, 15), date(2026, 3, 15), date(2026, 4, 15), date(2026, 5, 15)]
    disbursed = disbursement(instalments(*dues, principal_vnd=1_000_000, interest_vnd=0), rate_bp=0)
    await world.apply(loan.event(disbursed))
    first = alert_id(AlertRule.loan_overdue, loan.id, dues[0] + timedelta(days=1))

    # three due at once, with batches of two deadlines: still one problem, one new alert
    assert await world.sweep_on(dues[2] + timedelta(days=1)) == 1
    assert world.book.facts(first) == ["AlertRaised"]
    assert (world.book.alerts_by_id[first].missed, world.book.alerts_by_id[first].amount_vnd) == (
        3,
        3_000_000,
    )
    assert await world.sweep_on(dues[3] + timedelta(days=1)) == 0
    assert world.book.alerts_by_id[first].missed == 4
    paid = repayment(date(2026, 5, 20), 4_000_000, 4)
    await world.apply(loan.event(paid))
    assert world.book.facts(first) == ["AlertRaised", "AlertUpdated", "AlertResolved"]
    assert len(world.book.alerts_by_id) == 1
