"""The alert aggregate: one stream per problem (rule + subject + the day it began), whose events
say it was raised, updated as the problem grew or shrank (`Figures`: how many deadlines passed
unfixed, and for a loan the amount overdue), resolved by the fact that fixed it, and
acknowledged by someone who saw it.

    decide(state | None, command, now) -> the events (an empty list: nothing to change)
    evolve(state | None, event, stream_id) -> Alert

An alert's id is `Deadline.alert_id`, a function of the problem alone, so whoever finds the
problem (the sweeper, the deadline projection, a rebuild) finds the same stream: raising an
alert that exists decides nothing. Resolving or acknowledging twice decides nothing either.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from lmis_notify.domain.errors import AlertNotFound
from lmis_notify.domain.model import Deadline, Figures, Subject
from lmis_shared.commands import Aggregate, VersionedState
from lmis_shared.contracts.notify import (
    AlertAcknowledged,
    AlertRaised,
    AlertResolved,
    AlertRule,
    AlertUpdated,
    ReportRef,
    SubjectKind,
)
from lmis_shared.events import EventPayload
from lmis_shared.records import record_from

STREAM_TYPE = "alert"

# --- commands ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RaiseAlert:
    """The deadline has come (or the event is itself the problem): raise its alert once."""

    deadline: Deadline
    subject: Subject
    figures: Figures = field(default_factory=Figures)


@dataclass(frozen=True)
class UpdateAlert:
    """The open alert's problem is now `figures` (nothing to change if it already is)."""

    figures: Figures
    changed_by: str | None = None


@dataclass(frozen=True)
class ResolveAlert:
    """The fact `fixed_by` (an event type) settled the problem."""

    fixed_by: str


@dataclass(frozen=True)
class AcknowledgeAlert:
    """`by` has seen the alert (the first one to say so is remembered)."""

    by: str


AlertCommand = RaiseAlert | UpdateAlert | ResolveAlert | AcknowledgeAlert

# --- state ------------------------------------------------------------------------------------


class AlertStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    """Seen by someone responsible, not fixed yet."""
    resolved = "resolved"
    """The fixing event arrived (whether or not anyone acknowledged it before)."""


@dataclass(frozen=True)
class Alert(VersionedState):
    id: UUID
    rule: AlertRule
    subject_id: UUID
    subject_kind: SubjectKind
    unit_code: str | None
    province_code: str | None
    due_on: date
    raised_at: datetime
    version: int
    report: ReportRef | None = None
    resolved_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    missed: int = 1
    """Deadlines of the rule passed and not fixed (a loan: instalments missed)."""
    amount_vnd: int | None = None
    """For `loan_overdue`: the unpaid part of the missed instalments."""
    updated_at: datetime | None = None

    @property
    def figures(self) -> Figures:
        return Figures(self.missed, self.amount_vnd)

    @property
    def status(self) -> AlertStatus:
        if self.resolved_at is not None:
            return AlertStatus.resolved
        if self.acknowledged_at is not None:
            return AlertStatus.acknowledged
        return AlertStatus.open


# --- decide -----------------------------------------------------------------------------------


def decide(state: Alert | None, command: AlertCommand, now: datetime) -> list[EventPayload]:
    """The events `command` adds to the alert `state` (None: not raised yet), at `now`."""
    if isinstance(command, RaiseAlert):
        if state is not None:
            return []
        return [_raised(command.deadline, command.subject, command.figures, now)]
    if state is None:
        raise ValueError("only raising starts an alert")
    if isinstance(command, UpdateAlert):
        if state.resolved_at is not None or state.figures == command.figures:
            return []
        return [
            AlertUpdated(
                rule=state.rule,
                subject_id=state.subject_id,
                missed=command.figures.missed,
                amount_vnd=command.figures.amount_vnd,
                updated_at=now,
                changed_by=command.changed_by,
            )
        ]
    if isinstance(command, ResolveAlert):
        if state.resolved_at is not None:
            return []
        return [
            AlertResolved(
                rule=state.rule,
                subject_id=state.subject_id,
                fixed_by=command.fixed_by,
                resolved_at=now,
            )
        ]
    if state.acknowledged_at is not None:
        return []
    return [AlertAcknowledged(acknowledged_by=command.by, acknowledged_at=now)]


def _raised(d: Deadline, s: Subject, figures: Figures, now: datetime) -> AlertRaised:
    return record_from(AlertRaised, d, s, figures, subject_kind=s.kind, raised_at=now)


# --- evolve -----------------------------------------------------------------------------------


def evolve(state: Alert | None, event: EventPayload, stream_id: UUID) -> Alert:
    if isinstance(event, AlertRaised):
        return Alert(id=stream_id, version=0, **dict(event))  # the alert is what was raised
    if state is None:
        raise ValueError(f"{event.event_type} before the alert was raised")
    if isinstance(event, AlertUpdated):
        return replace(
            state, missed=event.missed, amount_vnd=event.amount_vnd, updated_at=event.updated_at
        )
    if isinstance(event, AlertResolved):
        return replace(state, resolved_at=event.resolved_at)
    if isinstance(event, AlertAcknowledged):
        return replace(
            state, acknowledged_by=event.acknowledged_by, acknowledged_at=event.acknowledged_at
        )
    raise ValueError(f"{event.event_type} is no event of an alert")


def _not_found(alert_id: UUID) -> AlertNotFound:
    return AlertNotFound(str(alert_id))


AGGREGATE: Aggregate[Alert] = Aggregate(STREAM_TYPE, evolve, _not_found)
