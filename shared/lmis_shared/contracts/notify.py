"""Events produced by the notify service: alerts and the statutory reports they wait for.

An alert is its own stream (stream type `alert`), whose id is deterministic per problem (the
rule, the subject and the date the problem began), so a problem raises one alert however often
it is looked at: `raised`, then `updated` as the problem grows or shrinks (a loan misses another
instalment, a repayment covers some), `acknowledged` (someone has seen it) and `resolved` (the
event that fixes it arrived). A subject has at most one open alert per rule. Agencies subscribe
to them on `lmis.notify.events`.

A report stream (stream type `report`) holds one statutory report of one unit and period; its
`submitted` event is the fact that resolves `report_due` and `report_late`.

No personal data travels here: a subject is named by its stream id (the worker, permit file or
loan), its unit and the rule, never by a name or an identity number.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from lmis_shared.events import EventPayload, event

__all__ = [
    "AlertAcknowledged",
    "AlertRaised",
    "AlertResolved",
    "AlertRule",
    "AlertUpdated",
    "ReportRef",
    "ReportSubmitted",
    "SubjectKind",
]


class AlertRule(StrEnum):
    """The problems flagged as they happen (domain.md, Domain 5)."""

    permit_expiring = "permit_expiring"
    """Within the extension window before expiry, and no extension applied for."""
    permit_expired = "permit_expired"
    """Past its last valid day with no extension, revocation or end of employment."""
    working_without_permit = "working_without_permit"
    """Employed with no valid work permit or exemption."""
    overdue_return = "overdue_return"
    """The contract ended more than the grace period ago and no return was recorded."""
    absconded = "absconded"
    """The worker left the employer during the contract."""
    loan_overdue = "loan_overdue"
    """An instalment is past its due date and unpaid."""
    report_due = "report_due"
    """A statutory report falls due within a few days and was not submitted."""
    report_late = "report_late"
    """A statutory report is past its due date and was not submitted."""
    webhook_paused = "webhook_paused"
    """An agency's webhook subscription failed too often in a row and was paused."""
    fee_above_ceiling = "fee_above_ceiling"
    """A sending organisation's contracts ask fees above the legal ceiling (the subject is
    the organisation; `missed` counts the days such contracts were signed)."""
    suspicious_recruitment = "suspicious_recruitment"
    """In a rolling window, a commune's contracts went through an unlicensed intermediary,
    or an organisation's contracts exceeded the fee ceiling or drew complaints, too often."""
    family_visit_due = "family_visit_due"
    """A worker overstays or absconded: the commune should visit the family (again)."""
    working_after_revocation = "working_after_revocation"
    """A work permit was revoked and no end of the employment was recorded."""


class SubjectKind(StrEnum):
    """What an alert's `subject_id` names: the stream of the object with the problem."""

    worker = "worker"
    foreign_worker = "foreign_worker"
    loan = "loan"
    report = "report"
    subscription = "subscription"
    sending_organisation = "sending_organisation"
    commune = "commune"


PERIOD_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2]))?$"


class ReportRef(BaseModel):
    """Which statutory report: its kind, the unit that files it, the period it covers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    """`monthly` (by the 10th of the next month), `yearly_agencies` (by 30 November),
    `yearly_department` (by 15 December), or another kind a province configures."""
    unit_code: str
    period: str = Field(pattern=PERIOD_PATTERN)
    """`2026-03` for a month, `2026` for a year."""


@event("lmis.notify.alert.raised.v1", stream_type="alert")
class AlertRaised(EventPayload):
    """A problem was found: the first event of an alert's stream."""

    rule: AlertRule
    subject_id: UUID
    subject_kind: SubjectKind
    unit_code: str | None
    """The subject's commune (or province, for a province's report); null if not known."""
    province_code: str | None
    due_on: date
    """The first day of the problem: the deadline that passed or the day of the fact."""
    raised_at: AwareDatetime
    report: ReportRef | None = None
    """For `report_due` and `report_late`: the report awaited."""
    missed: int = Field(1, ge=1)
    """How many deadlines of the rule have passed unfixed (a loan: instalments missed)."""
    amount_vnd: int | None = None
    """For `loan_overdue`: the unpaid part of the missed instalments, in đồng."""


@event("lmis.notify.alert.updated.v1", stream_type="alert")
class AlertUpdated(EventPayload):
    """The open alert's problem changed: another deadline passed, or a fact covered some
    (a loan: another instalment missed, or a repayment paid some of them)."""

    rule: AlertRule
    subject_id: UUID
    missed: int = Field(ge=1)
    amount_vnd: int | None = None
    updated_at: AwareDatetime
    changed_by: str | None = None
    """The event type of the fact behind the change; null when a deadline passed (a sweep)."""


@event("lmis.notify.alert.resolved.v1", stream_type="alert")
class AlertResolved(EventPayload):
    """The fact that fixes the problem arrived (its id is the event's `causation_id`)."""

    rule: AlertRule
    subject_id: UUID
    fixed_by: str
    """The event type of that fact, e.g. `lmis.registry.worker.returned.v1`; for an older
    alert of a problem that already has one, `lmis.notify.alert.updated.v1` (merged into it)."""
    resolved_at: AwareDatetime


@event("lmis.notify.alert.acknowledged.v1", stream_type="alert")
class AlertAcknowledged(EventPayload):
    """Someone responsible has seen the alert; it stays until it is resolved."""

    acknowledged_by: str
    """The officer id of the token's subject, never a name."""
    acknowledged_at: AwareDatetime


@event("lmis.notify.report.submitted.v1", stream_type="report")
class ReportSubmitted(EventPayload):
    """A unit filed a statutory report for a period."""

    report: ReportRef
    submitted_on: date
    submitted_by: str
    """The officer id of the token's subject, never a name."""
