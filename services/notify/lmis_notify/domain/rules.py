"""The alert rules: what each event means for the deadlines and alerts of its subject.

`decide(subject, stream_id, payload, settings)` is pure: the subject as remembered (None before
the stream's first event), the event's payload, the settings → a `Decision` (the subject as it
is now, the problems the event fixes, the deadlines it sets, the problems it reports itself).
Only the events in `HANDLED_EVENT_TYPES` mean anything here.

Each rule, the events that set its deadlines, and the events that fix it:
  permit_expiring         permit issued / extended: on expiry − 45 days (the window opens)
                          fixed by: extension applied, extended, revoked, employment ended,
                          a new permit or exemption
  permit_expired          permit issued / extended: the day after expiry
                          fixed by: extended, revoked, employment ended, a new permit or
                          exemption
  working_without_permit  registered: the first day of work; permit or exemption: the day
                          after it ends. fixed by: a permit or exemption, employment ended,
                          revocation
  overdue_return          contract signed / extended: the day after end + grace period
                          fixed by: return, withdrawal, a later extension
  absconded               raised at once by the absconding; fixed by: return
  family_visit_due        absconded / overstayed: at once; a visit recorded: the next after
                          the interval (`family_visits.py`). fixed by: a visit, return
  working_after_revocation  revoked: revocation date + grace; fixed by: employment ended,
                          a new permit or exemption
  loan_overdue            disbursed / restructured: the day after each instalment's due date
                          fixed by: a repayment through it, settled, written off, restructured
  report_due, report_late report obligations (`domain/reports.py`); fixed by: submitted
                          (notify) or filed (reporting, any version)

A fix names the deadlines the subject holds at that moment (`Subject.deadlines`), never "all
of a rule": replayed in a rebuild, an event then fixes exactly what it fixed the first time.
A deadline an event sets again is not fixed by it (a contract re-signed for the same end).

One problem, one alert: the deadlines of one rule and subject that have passed and are not
fixed are ONE open alert (`application/deadlines.py` keeps it so), whose `Figures` count them
and, for a loan, add up what is unpaid of them (`figures`): a loan nine instalments behind has
one `loan_overdue` alert saying 9 and the amount, not nine alerts.

A permit revoked settles the permit's own deadlines (domain.md lists revocation among the
facts that settle an expired permit) and, unless the employment's end is recorded within the
grace period, raises `working_after_revocation`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from lmis_notify.domain.family_visits import FAMILY_VISIT_DUE, first_visit_due, visit_recorded
from lmis_notify.domain.model import Deadline, Decision, Figures, Subject
from lmis_shared.contracts import permits as p
from lmis_shared.contracts import registry as r
from lmis_shared.contracts import registry_follow_up as follow_up
from lmis_shared.contracts import registry_loans as loans
from lmis_shared.contracts.notify import AlertRule, ReportSubmitted, SubjectKind
from lmis_shared.contracts.reporting import ReportFiled
from lmis_shared.events import EventPayload

DAY = timedelta(days=1)
PERMIT_RULES = (
    AlertRule.permit_expiring,
    AlertRule.permit_expired,
    AlertRule.working_without_permit,
    AlertRule.working_after_revocation,
)


@dataclass(frozen=True)
class RuleSettings:
    """The figures the law or the province sets (domain.md marks them *(check)*)."""

    extension_opens_days_before: int = 45
    """Same window as the permits service: an extension is applied for 45 to 5 days before."""
    extension_closes_days_before: int = 5
    return_grace_days: int = 30
    """Days after a contract's end before a worker not back is overdue."""
    report_due_soon_days: int = 5
    """Days before a report's due date when `report_due` is raised."""
    family_visit_interval_days: int = 90
    """Days after a family visit before the next one is due, while the worker stays abroad."""
    revocation_grace_days: int = 0
    """Days after a revocation for the end of employment to be recorded."""

    def __post_init__(self) -> None:
        if self.extension_opens_days_before <= self.extension_closes_days_before:
            raise ValueError("the extension window must open before it closes")
        if self.family_visit_interval_days < 1:
            raise ValueError("the family visit interval must be at least a day")
        if min(self.return_grace_days, self.report_due_soon_days, self.revocation_grace_days) < 0:
            raise ValueError("a grace period cannot be negative")


Rule = Callable[[Subject, Any, RuleSettings], Decision]
_KINDS: Mapping[str, SubjectKind] = {kind.value: kind for kind in SubjectKind}
"""A stream type's subject kind, looked up (the enum's own lookup costs more, per event)."""


def decide(
    subject: Subject | None, stream_id: UUID, payload: EventPayload, settings: RuleSettings
) -> Decision | None:
    """What `payload` (an event of stream `stream_id`) means; None if nothing."""
    rule = _RULES.get(type(payload))
    if rule is None:
        return None
    # every handled event's stream type is a subject kind (`worker`, `loan`, ...)
    known = subject or Subject(stream_id, _KINDS[payload.stream_type])
    return rule(known, payload, settings)


def _change(
    s: Subject,
    *,
    fix: Iterable[AlertRule] = (),
    fix_only: Iterable[Deadline] = (),
    set_: Iterable[Deadline] = (),
    raise_now: Iterable[Deadline] = (),
) -> Decision:
    """The decision that fixes the subject's deadlines of the rules `fix` (and those of
    `fix_only` it holds), then sets `set_` and raises `raise_now`."""
    rules, new, now = set(fix), tuple(set_), tuple(raise_now)
    fixed = {d for d in s.deadlines if d.rule in rules} | (s.deadlines & set(fix_only))
    fixed -= {*new, *now}
    live = (s.deadlines - fixed) | {*new, *now}
    return Decision(
        replace(s, deadlines=frozenset(live)),
        fixes=tuple(sorted(fixed)),
        deadlines=new,
        raise_now=now,
    )


# --- outbound workers (registry) ------------------------------------------------------------


def _worker_registered(s: Subject, e: r.WorkerRegistered, _: RuleSettings) -> Decision:
    return Decision(s.located(e.commune_code, e.province_code))


def _worker_profile_updated(s: Subject, e: r.WorkerProfileUpdated, _: RuleSettings) -> Decision:
    unit = e.commune_code if "commune_code" in e.changed else s.unit_code
    province = e.province_code if "province_code" in e.changed else s.province_code
    return Decision(s.located(unit, province))


def _overdue_after(s: Subject, end: date, settings: RuleSettings) -> Decision:
    due = end + timedelta(days=settings.return_grace_days) + DAY
    return _change(
        s, fix=[AlertRule.overdue_return], set_=[Deadline(AlertRule.overdue_return, s.id, due)]
    )


def _contract_signed(s: Subject, e: r.WorkerContractSigned, settings: RuleSettings) -> Decision:
    return _overdue_after(s, e.end_date, settings)


def _contract_extended(s: Subject, e: r.WorkerContractExtended, settings: RuleSettings) -> Decision:
    return _overdue_after(s, e.new_end_date, settings)


def _returned(s: Subject, _e: r.WorkerReturned, _: RuleSettings) -> Decision:
    return _change(s, fix=[AlertRule.overdue_return, AlertRule.absconded, FAMILY_VISIT_DUE])


def _withdrawn(s: Subject, _e: r.WorkerWithdrawn, _: RuleSettings) -> Decision:
    return _change(s, fix=[AlertRule.overdue_return])


def _absconded(s: Subject, e: r.WorkerAbsconded, _: RuleSettings) -> Decision:
    visit = first_visit_due(s, e.absconded_on)
    return _change(s, raise_now=[Deadline(AlertRule.absconded, s.id, e.absconded_on), *visit])


def _overstayed(s: Subject, e: r.WorkerOverstayed, _: RuleSettings) -> Decision:
    return _change(s, raise_now=first_visit_due(s, e.overstaying_since))


# --- foreign workers (permits) --------------------------------------------------------------


def _foreign_worker_registered(
    s: Subject, e: p.ForeignWorkerRegistered, _: RuleSettings
) -> Decision:
    # no permit or exemption yet: from the first day of work, one must be in force
    located = s.located(e.commune_code, e.province_code)
    return _change(located, set_=[Deadline(AlertRule.working_without_permit, s.id, e.engaged_on)])


def _permit_until(s: Subject, expiry: date, settings: RuleSettings) -> Decision:
    """A permit valid through `expiry` replaces whatever authorised the person before."""
    opens = expiry - timedelta(days=settings.extension_opens_days_before)
    return _change(
        s,
        fix=PERMIT_RULES,
        set_=[
            Deadline(AlertRule.permit_expiring, s.id, opens),
            Deadline(AlertRule.permit_expired, s.id, expiry + DAY),
            Deadline(AlertRule.working_without_permit, s.id, expiry + DAY),
        ],
    )


def _permit_issued(s: Subject, e: p.PermitIssued, settings: RuleSettings) -> Decision:
    return _permit_until(s, e.expiry_date, settings)


def _permit_extended(s: Subject, e: p.PermitExtended, settings: RuleSettings) -> Decision:
    return _permit_until(s, e.new_expiry_date, settings)


def _extension_applied(s: Subject, _e: p.PermitExtensionApplied, _: RuleSettings) -> Decision:
    return _change(s, fix=[AlertRule.permit_expiring])


def _exemption(s: Subject, e: p.ExemptionCertified, _: RuleSettings) -> Decision:
    lapses = Deadline(AlertRule.working_without_permit, s.id, e.valid_until + DAY)
    return _change(s, fix=PERMIT_RULES, set_=[lapses])


def _permit_settled(s: Subject, _e: EventPayload, _: RuleSettings) -> Decision:
    """The employment ended: nothing about this permit is pending any more."""
    return _change(s, fix=PERMIT_RULES)


def _revoked(s: Subject, e: p.PermitRevoked, settings: RuleSettings) -> Decision:
    """Nothing about this permit is pending any more, but the person must stop working."""
    working = e.revoked_on + timedelta(days=settings.revocation_grace_days)
    return _change(
        s, fix=PERMIT_RULES, set_=[Deadline(AlertRule.working_after_revocation, s.id, working)]
    )


# --- loans (registry) -----------------------------------------------------------------------


def _loan_applied(s: Subject, e: loans.LoanApplied, _: RuleSettings) -> Decision:
    return Decision(s.located(e.commune_code, e.province_code))


def _new_schedule(
    s: Subject, schedule: tuple[loans.Instalment, ...], credit_vnd: int = 0
) -> Decision:
    """A schedule replaces the one before wholesale (instalments are numbered from 1 again)."""
    plan = tuple((i.number, i.due_on, i.principal_vnd + i.interest_vnd) for i in schedule)
    overdue = [Deadline(AlertRule.loan_overdue, s.id, due + DAY) for _, due, _ in plan]
    running = replace(s, schedule=plan, paid_vnd=credit_vnd)
    return _change(running, fix=[AlertRule.loan_overdue], set_=overdue)


def _disbursed(s: Subject, e: loans.LoanDisbursed, _: RuleSettings) -> Decision:
    return _new_schedule(s, e.schedule)


def _restructured(s: Subject, e: loans.LoanRestructured, _: RuleSettings) -> Decision:
    return _new_schedule(s, e.schedule, e.credit_vnd)


def _repayment(s: Subject, e: loans.LoanRepaymentReceived, _: RuleSettings) -> Decision:
    paid = [
        Deadline(AlertRule.loan_overdue, s.id, due + DAY)
        for number, due, _ in s.schedule
        if number <= e.paid_through_instalment
    ]
    decision = _change(replace(s, paid_vnd=s.paid_vnd + e.amount_vnd), fix_only=paid)
    return replace(decision, refresh=(AlertRule.loan_overdue,))  # a part paid: less overdue


def _loan_closed(s: Subject, _e: EventPayload, _: RuleSettings) -> Decision:
    """Settled or written off: no instalment is owed any more."""
    return _change(replace(s, schedule=(), paid_vnd=0), fix=[AlertRule.loan_overdue])


def figures(s: Subject, rule: AlertRule, passed: Iterable[Deadline]) -> Figures:
    """What the one open alert of `rule` says, `passed` being its deadlines that have passed
    and are not fixed (at least one). For a loan, the amount is the unpaid part of those
    instalments, repayments settling the oldest first (as the registry's loan position)."""
    missed = {d.due_on for d in passed}
    if rule is not AlertRule.loan_overdue:
        return Figures(len(missed))
    left, unpaid = s.paid_vnd, 0
    for _, due, amount in s.schedule:
        covered = min(left, amount)
        left -= covered
        if due + DAY in missed:
            unpaid += amount - covered
    return Figures(len(missed), unpaid)


# --- statutory reports (notify) -------------------------------------------------------------


def _report_submitted(s: Subject, e: ReportSubmitted | ReportFiled, _: RuleSettings) -> Decision:
    """Submitted (notify's own fact, before reporting filed documents) or filed by reporting
    (`lmis.reporting.report.filed.v1`, every version): its stream is the report's subject."""
    known = s if s.report else replace(s, unit_code=e.report.unit_code, report=e.report)
    decision = _change(known, fix=[AlertRule.report_due, AlertRule.report_late])
    return replace(decision, report_submitted=e.report)


_RULES: Mapping[type[EventPayload], Rule] = {
    r.WorkerRegistered: _worker_registered,
    r.WorkerProfileUpdated: _worker_profile_updated,
    r.WorkerContractSigned: _contract_signed,
    r.WorkerContractExtended: _contract_extended,
    r.WorkerReturned: _returned,
    r.WorkerWithdrawn: _withdrawn,
    r.WorkerAbsconded: _absconded,
    r.WorkerOverstayed: _overstayed,
    follow_up.WorkerFamilyVisitRecorded: visit_recorded,
    p.ForeignWorkerRegistered: _foreign_worker_registered,
    p.PermitIssued: _permit_issued,
    p.PermitExtended: _permit_extended,
    p.PermitExtensionApplied: _extension_applied,
    p.ExemptionCertified: _exemption,
    p.PermitRevoked: _revoked,
    p.EmploymentEnded: _permit_settled,
    loans.LoanApplied: _loan_applied,
    loans.LoanDisbursed: _disbursed,
    loans.LoanRestructured: _restructured,
    loans.LoanRepaymentReceived: _repayment,
    loans.LoanSettled: _loan_closed,
    loans.LoanWrittenOff: _loan_closed,
    ReportSubmitted: _report_submitted,
    ReportFiled: _report_submitted,
}

HANDLED_EVENT_TYPES: frozenset[str] = frozenset(cls.event_type for cls in _RULES)
