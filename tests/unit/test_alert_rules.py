"""The alert rules on plain values: which deadlines an event sets, which problems it fixes.

`decide(subject, stream_id, payload, settings)` is pure; these tests read as the rule book.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest

from lmis_notify.domain.model import Deadline, Decision, Figures, Subject, alert_id
from lmis_notify.domain.rules import HANDLED_EVENT_TYPES, RuleSettings, decide, figures
from lmis_shared.contracts import permits as p
from lmis_shared.contracts import registry as r
from lmis_shared.contracts import registry_loans as loans
from lmis_shared.contracts.notify import AlertRule, ReportRef, ReportSubmitted, SubjectKind
from lmis_shared.events import EventPayload
from tests.unit.alert_examples import (
    PERMIT_NUMBER,
    contract_signed,
    disbursement,
    foreign_worker_registered,
    instalments,
    permit_issued,
    repayment,
    restructuring,
    worker_registered,
)

RULES = RuleSettings()
ID = UUID("11111111-2222-4333-8444-555555555555")
EXPIRY = date(2027, 6, 30)
DAY = timedelta(days=1)
PERMIT_RULES = {
    AlertRule.permit_expiring,
    AlertRule.permit_expired,
    AlertRule.working_without_permit,
}


def decided(payload: EventPayload, subject: Subject | None = None, **settings: int) -> Decision:
    decision = decide(subject, ID, payload, RuleSettings(**settings) if settings else RULES)
    assert decision is not None
    return decision


def fixed_rules(decision: Decision) -> set[AlertRule]:
    assert all(f.subject_id == ID for f in decision.fixes)
    return {f.rule for f in decision.fixes}


def located_foreign_worker() -> Subject:
    return Subject(ID, SubjectKind.foreign_worker, "27937", "80")


def foreign_worker(expiry: date = EXPIRY) -> Subject:
    """A foreign worker holding a permit that expires on `expiry`."""
    return decided(permit(expiry), located_foreign_worker()).subject


def permit(expiry: date = EXPIRY) -> p.PermitIssued:
    return permit_issued(expiry - timedelta(days=700), expiry)


# --- foreign workers --------------------------------------------------------------------------


def test_registering_a_foreign_worker_expects_a_permit_from_the_first_day_of_work() -> None:
    registered = foreign_worker_registered(date(2026, 3, 1), commune="27937", province="80")

    decision = decided(registered)

    first_day = Deadline(AlertRule.working_without_permit, ID, date(2026, 3, 1))
    assert decision.deadlines == (first_day,)
    assert decision.subject == Subject(
        ID, SubjectKind.foreign_worker, "27937", "80", deadlines=frozenset({first_day})
    )
    issued = decided(permit(), decision.subject)
    assert issued.fixes == (first_day,)


def test_a_permit_sets_its_window_its_expiry_and_the_day_work_becomes_unpermitted() -> None:
    decision = decided(permit(), located_foreign_worker())

    expected = {
        Deadline(AlertRule.permit_expiring, ID, EXPIRY - timedelta(days=45)),
        Deadline(AlertRule.permit_expired, ID, EXPIRY + DAY),
        Deadline(AlertRule.working_without_permit, ID, EXPIRY + DAY),
    }
    assert set(decision.deadlines) == expected
    assert decision.subject.deadlines == expected
    assert decision.fixes == ()


def test_a_new_permit_fixes_every_deadline_of_the_one_it_replaces() -> None:
    decision = decided(permit(date(2029, 1, 31)), foreign_worker())

    assert set(decision.fixes) == foreign_worker().deadlines
    assert {d.due_on for d in decision.subject.deadlines} == {
        date(2029, 1, 31) - timedelta(days=45),
        date(2029, 2, 1),
    }


def test_a_permit_issued_again_for_the_same_expiry_fixes_nothing_it_sets_again() -> None:
    decision = decided(permit(), foreign_worker())

    assert decision.fixes == ()
    assert decision.subject.deadlines == foreign_worker().deadlines


def test_the_extension_window_is_a_setting() -> None:
    decision = decided(permit(), located_foreign_worker(), extension_opens_days_before=60)

    assert (
        Deadline(AlertRule.permit_expiring, ID, EXPIRY - timedelta(days=60)) in decision.deadlines
    )


def test_applying_for_an_extension_settles_expiring_but_not_expired() -> None:
    applied = p.PermitExtensionApplied(applied_on=date(2027, 5, 20), current_expiry_date=EXPIRY)

    decision = decided(applied, foreign_worker())

    assert decision.fixes == (Deadline(AlertRule.permit_expiring, ID, EXPIRY - timedelta(days=45)),)
    assert decision.deadlines == ()
    assert {d.rule for d in decision.subject.deadlines} == {
        AlertRule.permit_expired,
        AlertRule.working_without_permit,
    }


def test_an_extension_replaces_the_old_deadlines_with_the_new_expiry() -> None:
    new_expiry = date(2029, 6, 29)
    extended = p.PermitExtended(
        permit_number=PERMIT_NUMBER,
        previous_expiry_date=EXPIRY,
        new_expiry_date=new_expiry,
        extended_on=date(2027, 6, 10),
    )

    decision = decided(extended, foreign_worker())

    assert set(decision.fixes) == foreign_worker().deadlines
    assert Deadline(AlertRule.permit_expired, ID, new_expiry + DAY) in decision.deadlines


def test_the_end_of_employment_settles_every_permit_problem() -> None:
    # a revocation settles them too, but flags the work going on (test_follow_up_alert_rules)
    ended = p.EmploymentEnded(ended_on=date(2027, 1, 31), reason=p.EmploymentEndReason.contract_end)
    decision = decided(ended, foreign_worker())

    assert fixed_rules(decision) == PERMIT_RULES
    assert decision.deadlines == ()
    assert decision.subject.deadlines == frozenset()


def test_an_exemption_ends_the_permit_problems_until_it_lapses() -> None:
    exemption = p.ExemptionCertified(
        legal_ground="Nghị định 152/2020/NĐ-CP, Điều 7",
        valid_from=date(2026, 3, 1),
        valid_until=date(2028, 2, 28),
    )

    decision = decided(exemption, foreign_worker())

    assert set(decision.fixes) == foreign_worker().deadlines
    assert decision.deadlines == (
        Deadline(AlertRule.working_without_permit, ID, date(2028, 2, 29)),
    )


# --- outbound workers -------------------------------------------------------------------------


def worker() -> Subject:
    return Subject(ID, SubjectKind.worker, "03637", "12")


def abroad(end: date = date(2029, 5, 31)) -> Subject:
    """A worker whose contract ends on `end`."""
    return decided(contract_signed(end), worker()).subject


def test_registering_a_worker_remembers_the_commune_and_sets_nothing() -> None:
    decision = decided(worker_registered())

    assert decision == Decision(worker())


def test_a_profile_update_moves_the_worker_only_when_the_commune_changed() -> None:
    moved = r.WorkerProfileUpdated(changed=("commune_code",), commune_code="03640")
    other = r.WorkerProfileUpdated(changed=("occupation",), occupation="thợ hàn")

    assert decided(moved, worker()).subject.unit_code == "03640"
    assert decided(other, worker()).subject == worker()


def test_a_signed_contract_expects_the_return_after_the_grace_period() -> None:
    end = date(2029, 5, 31)

    decision = decided(contract_signed(end), worker())

    assert decision.deadlines == (Deadline(AlertRule.overdue_return, ID, date(2029, 7, 1)),)


def test_the_grace_period_is_a_setting() -> None:
    end = date(2029, 5, 31)

    decision = decided(contract_signed(end), worker(), return_grace_days=0)

    assert decision.deadlines == (Deadline(AlertRule.overdue_return, ID, end + DAY),)


def test_an_extended_contract_moves_the_expected_return() -> None:
    extended = r.WorkerContractExtended(
        previous_end_date=date(2029, 5, 31), new_end_date=date(2030, 5, 31)
    )

    decision = decided(extended, abroad())

    assert decision.fixes == (Deadline(AlertRule.overdue_return, ID, date(2029, 7, 1)),)
    assert decision.deadlines == (Deadline(AlertRule.overdue_return, ID, date(2030, 7, 1)),)


def test_absconding_is_raised_at_once() -> None:
    absconded = r.WorkerAbsconded(
        absconded_on=date(2027, 2, 3), source=r.ReportSource.sending_organisation
    )

    decision = decided(absconded, abroad())

    assert decision.raise_now == (
        Deadline(AlertRule.absconded, ID, date(2027, 2, 3)),
        Deadline(AlertRule.family_visit_due, ID, date(2027, 2, 3)),  # test_follow_up_alert_rules
    )
    assert decision.deadlines == ()
    assert decision.fixes == ()


def test_a_return_settles_overdue_absconded_and_the_family_visit() -> None:
    absconded = r.WorkerAbsconded(absconded_on=date(2027, 2, 3), source=r.ReportSource.police)
    returned = r.WorkerReturned(return_date=date(2027, 9, 1), reason=r.ReturnReason.personal)

    decision = decided(returned, decided(absconded, abroad()).subject)

    assert fixed_rules(decision) == {
        AlertRule.overdue_return,
        AlertRule.absconded,
        AlertRule.family_visit_due,
    }
    assert decision.subject.deadlines == frozenset()


def test_a_withdrawal_before_departure_cancels_the_expected_return() -> None:
    withdrawn = r.WorkerWithdrawn(
        withdrawn_on=date(2026, 4, 1), reason=r.WithdrawalReason.visa_refused
    )

    assert fixed_rules(decided(withdrawn, abroad())) == {AlertRule.overdue_return}


# --- loans ------------------------------------------------------------------------------------


DUES = (date(2026, 2, 15), date(2026, 3, 15), date(2026, 4, 15))


LOAN = Subject(ID, SubjectKind.loan, "03637", "12")
DISBURSED = disbursement(instalments(*DUES))


def disbursed_loan() -> Subject:
    return decided(DISBURSED, LOAN).subject


def test_a_disbursement_sets_a_deadline_the_day_after_each_instalment() -> None:
    decision = decided(DISBURSED, LOAN)

    assert decision.deadlines == tuple(Deadline(AlertRule.loan_overdue, ID, d + DAY) for d in DUES)
    assert [(n, due) for n, due, _ in decision.subject.schedule] == list(enumerate(DUES, start=1))


def test_a_repayment_settles_the_instalments_it_paid_through() -> None:
    repaid = repayment(
        date(2026, 3, 20), 8_200_000, 2, interest_vnd=200_000, outstanding_vnd=4_000_000
    )

    decision = decided(repaid, disbursed_loan())

    assert decision.fixes == tuple(Deadline(AlertRule.loan_overdue, ID, d + DAY) for d in DUES[:2])
    assert decision.subject.deadlines == {Deadline(AlertRule.loan_overdue, ID, DUES[2] + DAY)}


def test_a_part_paid_lowers_what_the_one_alert_says_the_oldest_instalment_first() -> None:
    passed = sorted(disbursed_loan().deadlines)  # all three instalments missed
    part = repayment(
        date(2026, 4, 20), 5_000_000, 1, interest_vnd=100_000, outstanding_vnd=7_100_000
    )

    decision = decided(part, disbursed_loan())

    assert figures(disbursed_loan(), AlertRule.loan_overdue, passed) == Figures(3, 12_300_000)
    assert decision.refresh == (AlertRule.loan_overdue,)
    still = sorted(decision.subject.deadlines)
    assert figures(decision.subject, AlertRule.loan_overdue, still) == Figures(2, 7_300_000)
    assert figures(worker(), AlertRule.absconded, passed[:1]) == Figures(1, None)


def test_a_restructuring_replaces_the_schedule_and_its_deadlines() -> None:
    restructured = restructuring(date(2026, 3, 1), instalments(date(2026, 9, 1), date(2026, 10, 1)))

    decision = decided(restructured, disbursed_loan())

    assert decision.fixes == tuple(Deadline(AlertRule.loan_overdue, ID, d + DAY) for d in DUES)
    assert [d.due_on for d in decision.deadlines] == [date(2026, 9, 2), date(2026, 10, 2)]
    assert [(n, due) for n, due, _ in decision.subject.schedule] == [
        (1, date(2026, 9, 1)),
        (2, date(2026, 10, 1)),
    ]


@pytest.mark.parametrize(
    "payload",
    [
        loans.LoanSettled(settled_on=date(2026, 4, 15), repaid_vnd=12_300_000),
        loans.LoanWrittenOff(
            reason="qua đời",
            written_off_on=date(2026, 5, 1),
            outstanding_vnd=4_000_000,
            unpaid_interest_vnd=0,
        ),
    ],
    ids=["settled", "written off"],
)
def test_a_closed_loan_owes_nothing_any_more(payload: EventPayload) -> None:
    decision = decided(payload, disbursed_loan())

    assert len(decision.fixes) == len(DUES)
    assert decision.subject.schedule == ()
    assert decision.subject.deadlines == frozenset()


# --- reports and the rest ---------------------------------------------------------------------


def test_a_submitted_report_settles_due_and_late() -> None:
    ref = ReportRef(kind="monthly", unit_code="03637", period="2026-03")
    submitted = ReportSubmitted(report=ref, submitted_on=date(2026, 4, 8), submitted_by="o-1")

    awaited = Subject(
        ID,
        SubjectKind.report,
        "03637",
        "12",
        report=ref,
        deadlines=frozenset(
            {
                Deadline(AlertRule.report_due, ID, date(2026, 4, 5)),
                Deadline(AlertRule.report_late, ID, date(2026, 4, 11)),
            }
        ),
    )

    decision = decided(submitted, awaited)

    assert fixed_rules(decision) == {AlertRule.report_due, AlertRule.report_late}
    assert decision.report_submitted == ref
    assert decided(submitted).subject.kind is SubjectKind.report


def test_an_event_no_rule_reads_decides_nothing() -> None:
    departed = r.WorkerDeparted(departure_date=date(2026, 5, 2), border_gate="Nội Bài")

    assert decide(worker(), ID, departed, RULES) is None
    assert departed.event_type not in HANDLED_EVENT_TYPES


def test_a_problem_has_one_alert_id_and_another_day_is_another_problem() -> None:
    subject = uuid4()
    first = alert_id(AlertRule.loan_overdue, subject, date(2026, 2, 16))

    assert first == alert_id(AlertRule.loan_overdue, subject, date(2026, 2, 16))
    assert first != alert_id(AlertRule.loan_overdue, subject, date(2026, 3, 16))
    assert first != alert_id(AlertRule.report_late, subject, date(2026, 2, 16))


def test_an_extension_window_that_closes_before_it_opens_is_refused() -> None:
    with pytest.raises(ValueError, match="window"):
        RuleSettings(extension_opens_days_before=5, extension_closes_days_before=10)
