"""The values the alert rules work with: subjects, deadlines, fixes, and a rule's decision.

A deadline is data: the rule, the subject (a stream id) and `due_on`, the first day on which the
problem exists. The sweeper raises a deadline once the clock's today reaches `due_on`. An alert's
id is a function of those three values only, so the same problem always gets the same alert,
whoever finds it and however often (`alert_id`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid5

from lmis_shared.contracts.notify import AlertRule, ReportRef, SubjectKind

# Fixed for ever: changing them would give every open problem a second alert.
ALERT_NAMESPACE = UUID("6b1f3c0e-8a4d-5e2b-9c7a-3d5e1f2a4b60")
REPORT_NAMESPACE = UUID("0f7d2a91-4c3e-5b8a-a6d1-9e2c4b7f1a35")


def alert_id(rule: AlertRule, subject_id: UUID, due_on: date) -> UUID:
    """The one alert of a problem: rule + subject + the day the problem began."""
    return uuid5(ALERT_NAMESPACE, f"{rule.value}/{subject_id}/{due_on.isoformat()}")


def report_id(ref: ReportRef) -> UUID:
    """The stream of one statutory report: kind + filing unit + period."""
    return uuid5(REPORT_NAMESPACE, f"{ref.kind}/{ref.unit_code}/{ref.period}")


@dataclass(frozen=True, order=True)
class Deadline:
    rule: AlertRule
    subject_id: UUID
    due_on: date
    """The first day of the problem: raised once the clock's today reaches it."""

    @property
    def alert_id(self) -> UUID:
        return alert_id(self.rule, self.subject_id, self.due_on)


@dataclass(frozen=True)
class Subject:
    """What the rules remember of one stream between its events."""

    id: UUID
    kind: SubjectKind
    unit_code: str | None = None
    province_code: str | None = None
    schedule: tuple[tuple[int, date, int], ...] = ()
    """A loan's current instalments: (number, due date, amount in đồng)."""
    paid_vnd: int = 0
    """Paid towards the loan's current schedule (after a restructuring: its credit first);
    repayments settle the oldest instalments first."""
    report: ReportRef | None = None
    deadlines: frozenset[Deadline] = frozenset()
    """Deadlines set and not fixed yet (pending, or raised and still open). A fix names them
    one by one, so replaying the stream fixes exactly what it fixed the first time, never a
    deadline set later (which a rebuild would otherwise find already raised)."""

    def located(self, unit_code: str | None, province_code: str | None) -> Subject:
        """The subject in the unit and province given (built directly: `dataclasses.replace`
        costs more than the rule that locates a worker on registration, once per event)."""
        return Subject(
            self.id,
            self.kind,
            unit_code,
            province_code,
            self.schedule,
            self.paid_vnd,
            self.report,
            self.deadlines,
        )


@dataclass(frozen=True)
class Figures:
    """What an open alert says of its problem."""

    missed: int = 1
    """Deadlines of the rule passed and not fixed (a loan: instalments missed)."""
    amount_vnd: int | None = None
    """For `loan_overdue`: the unpaid part of the missed instalments."""


@dataclass(frozen=True)
class Decision:
    """What one event means for the alerts. Fixes apply before the new deadlines are set."""

    subject: Subject
    fixes: tuple[Deadline, ...] = ()
    """The problems gone: their pending deadlines are cancelled, their open alerts resolved."""
    deadlines: tuple[Deadline, ...] = ()
    raise_now: tuple[Deadline, ...] = ()
    """Problems the event itself reports (an absconding): raised without waiting for a sweep."""
    report_submitted: ReportRef | None = None
    refresh: tuple[AlertRule, ...] = ()
    """Rules whose open alert may say something else now though nothing was fixed (a partial
    repayment lowers the amount overdue)."""


@dataclass(frozen=True)
class Cause:
    """Why alert events are being written, and by whom: the fact or the sweep behind them.

    `event_id` and `event_type` name the fact (None for a sweep); the alert events carry its
    correlation id and trace context, so one trace shows a command and the alert it settled.
    """

    actor: str
    correlation_id: UUID
    at: datetime
    event_id: UUID | None = None
    event_type: str | None = None
    traceparent: str | None = None
