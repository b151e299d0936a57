"""The alert rules of issue 15 on plain values: a family visit is due while a worker stays
abroad illegally, and a revoked permit with the employment not ended is flagged."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from lmis_notify.domain.model import Deadline, Decision, Subject
from lmis_notify.domain.rules import HANDLED_EVENT_TYPES, RuleSettings, decide
from lmis_shared.contracts import permits as p
from lmis_shared.contracts import registry as r
from lmis_shared.contracts import registry_follow_up as f
from lmis_shared.contracts.notify import AlertRule, SubjectKind
from lmis_shared.events import EventPayload

ID = UUID("21111111-2222-4333-8444-555555555555")
VISIT = AlertRule.family_visit_due
REVOKED = AlertRule.working_after_revocation
OVERSTAYED = r.WorkerOverstayed(overstaying_since=date(2029, 7, 1), source=r.ReportSource.embassy)
ABSCONDED = r.WorkerAbsconded(absconded_on=date(2028, 2, 3), source=r.ReportSource.employer)


def decided(payload: EventPayload, subject: Subject | None = None, **settings: int) -> Decision:
    known = subject or Subject(ID, SubjectKind(payload.stream_type), "03637", "12")
    decision = decide(known, ID, payload, RuleSettings(**settings))
    assert decision is not None
    return decision


def visit(on: date) -> f.WorkerFamilyVisitRecorded:
    return f.WorkerFamilyVisitRecorded(
        visited_on=on,
        visited_by=f.Verifier.commune_officer,
        outcome=f.FamilyVisitOutcome.family_met,
        next_step=f.FamilyVisitNextStep.visit_again,
    )


def test_an_overstay_asks_the_commune_to_visit_the_family_at_once() -> None:
    decision = decided(OVERSTAYED)

    assert decision.raise_now == (Deadline(VISIT, ID, date(2029, 7, 1)),)
    assert decision.subject.unit_code == "03637"  # the worker's commune holds the alert


def test_an_absconder_reported_overstaying_later_has_one_visit_due_not_two() -> None:
    after_absconding = decided(ABSCONDED).subject

    assert Deadline(VISIT, ID, date(2028, 2, 3)) in after_absconding.deadlines
    assert decided(OVERSTAYED, after_absconding).raise_now == ()


def test_a_visit_resolves_the_alert_and_the_next_falls_due_after_the_interval() -> None:
    due = decided(OVERSTAYED).subject

    decision = decided(visit(date(2029, 7, 20)), due)

    assert decision.fixes == (Deadline(VISIT, ID, date(2029, 7, 1)),)
    assert decision.deadlines == (Deadline(VISIT, ID, date(2029, 7, 20) + timedelta(days=90)),)
    assert decision.raise_now == ()


def test_the_interval_is_a_setting() -> None:
    decision = decided(visit(date(2029, 7, 20)), family_visit_interval_days=30)
    assert decision.deadlines == (Deadline(VISIT, ID, date(2029, 8, 19)),)


def test_a_return_ends_the_visits() -> None:
    followed = decided(visit(date(2029, 7, 20)), decided(OVERSTAYED).subject).subject
    returned = r.WorkerReturned(return_date=date(2029, 9, 1), reason=r.ReturnReason.personal)

    decision = decided(returned, followed)

    assert Deadline(VISIT, ID, date(2029, 10, 18)) in decision.fixes
    assert not any(d.rule is VISIT for d in decision.subject.deadlines)


def test_a_revoked_permit_flags_work_going_on_after_the_grace_period() -> None:
    revoked = p.PermitRevoked(
        permit_number="LA-2026-000123",
        reason=p.RevocationReason.broke_the_law,
        revoked_on=date(2027, 1, 5),
    )

    assert decided(revoked).deadlines == (Deadline(REVOKED, ID, date(2027, 1, 5)),)
    later = decided(revoked, revocation_grace_days=15)
    assert later.deadlines == (Deadline(REVOKED, ID, date(2027, 1, 20)),)


def test_the_end_of_employment_or_a_new_permit_settles_work_after_revocation() -> None:
    revoked = decided(
        p.PermitRevoked(
            permit_number="LA-2026-000123",
            reason=p.RevocationReason.contract_ended_early,
            revoked_on=date(2027, 1, 5),
        )
    ).subject
    ended = p.EmploymentEnded(ended_on=date(2027, 1, 31), reason=p.EmploymentEndReason.contract_end)
    exemption = p.ExemptionCertified(
        legal_ground="Nghị định 152/2020/NĐ-CP, Điều 7",
        valid_from=date(2027, 2, 1),
        valid_until=date(2028, 2, 1),
    )

    for fix in (ended, exemption):
        assert Deadline(REVOKED, ID, date(2027, 1, 5)) in decided(fix, revoked).fixes


def test_the_new_events_are_handled() -> None:
    assert {r.WorkerOverstayed.event_type, f.WorkerFamilyVisitRecorded.event_type} <= (
        HANDLED_EVENT_TYPES
    )
