"""The counting rules of the reporting service: which event moves which count, where and when.

A stream's later events rarely say where they count: `departed` carries a date and a border
gate. Each test folds a stream's events into its facts the way the projection does
(`evolve`, then `increments` with the facts after the event) and looks at what was counted.

The payload builders here are shared with the integration tests of the indicators.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from uuid import UUID

import pytest

from lmis_reporting.domain.facts import (
    FACT_EVENT_TYPES,
    FACTS_BY_STREAM,
    Facts,
    LoanFacts,
    Payment,
    evolve,
)
from lmis_reporting.domain.indicators import (
    RULES,
    TOTAL,
    CountRule,
    Increment,
    RuleError,
    handled_event_types,
    increments,
    merge,
)
from lmis_shared.contracts import permits as p
from lmis_shared.contracts import registry as r
from lmis_shared.contracts import registry_loans as loans
from lmis_shared.events import EventPayload, payload_class

MUONG_KIM, KHOEN_ON = "03637", "03640"  # communes of Lai Châu (12)
HOAN_KIEM = "00070"  # a ward of Hà Nội (01)
THAI = "03"

# -- payload builders -------------------------------------------------------------------------


# a licensed sending organisation, as the contract events carry it
SONA = r.SendingOrganisation(
    kind=r.SendingOrganisationKind.licensed_enterprise,
    name="Công ty Cổ phần Nhân lực Sona",
    licence_number="123/LĐTBXH-GP",
)


def registered(
    commune: str = MUONG_KIM,
    on: date = date(2026, 2, 17),
    sex: r.Sex = r.Sex.female,
    groups: tuple[r.PriorityGroup, ...] = (),
    ethnicity: str = THAI,
    province: str = "12",
) -> r.WorkerRegistered:
    return r.WorkerRegistered(
        person=r.Person(
            full_name="Lò Thị Mai", date_of_birth=date(1998, 4, 12), citizen_id="0" * 12
        ),
        sex=sex,
        ethnicity=ethnicity,
        commune_code=commune,
        province_code=province,
        priority_groups=groups,
        registered_on=on,
    )


def moved(commune: str, province: str = "12") -> r.WorkerProfileUpdated:
    return r.WorkerProfileUpdated(
        changed=("commune_code", "province_code"), commune_code=commune, province_code=province
    )


def enrolled(
    on: date = date(2026, 3, 2), kind: r.TrainingKind = r.TrainingKind.language
) -> r.WorkerEnrolledInTraining:
    language = "ko" if kind == r.TrainingKind.language else None
    return r.WorkerEnrolledInTraining(
        kind=kind, centre="Trung tâm GDNN", language=language, enrolled_on=on
    )


def result(
    on: date = date(2026, 6, 1),
    passed: bool = True,
    exam: r.Exam | None = r.Exam.eps_topik,
    kind: r.TrainingKind = r.TrainingKind.language,
) -> r.WorkerTrainingResultRecorded:
    return r.WorkerTrainingResultRecorded(kind=kind, completed_on=on, passed=passed, exam=exam)


def contract(
    country: str = "KR", on: date = date(2026, 7, 1), programme: str = "korea_eps"
) -> r.WorkerContractSigned:
    return r.WorkerContractSigned(
        destination_country=country,
        programme=programme,
        sending_organisation=SONA,
        employer="Hanil Manufacturing Co.",
        sector=r.Sector.manufacturing,
        start_date=on,
        duration_months=36,
        end_date=on.replace(year=on.year + 3),
        monthly_salary_vnd=42_000_000,
        fees_vnd={"service_fee": 650_000},
        signed_on=on,
    )


def departed(on: date = date(2026, 8, 20)) -> r.WorkerDeparted:
    return r.WorkerDeparted(departure_date=on, border_gate="Nội Bài")


def returned(
    on: date, reason: r.ReturnReason = r.ReturnReason.contract_completed
) -> r.WorkerReturned:
    return r.WorkerReturned(return_date=on, reason=reason)


def absconded(on: date) -> r.WorkerAbsconded:
    return r.WorkerAbsconded(absconded_on=on, source=r.ReportSource.employer)


def overstayed(on: date) -> r.WorkerOverstayed:
    return r.WorkerOverstayed(overstaying_since=on, source=r.ReportSource.embassy)


def loan_applied(
    commune: str = MUONG_KIM, on: date = date(2026, 1, 5), amount: int = 12_000_000
) -> loans.LoanApplied:
    return loans.LoanApplied(
        worker_id=UUID(int=7),
        purpose=loans.LoanPurpose.going_abroad,
        amount_vnd=amount,
        commune_code=commune,
        province_code="12",
        applied_on=on,
    )


def loan_approved(on: date = date(2026, 1, 10), amount: int = 12_000_000) -> loans.LoanApproved:
    return loans.LoanApproved(approved_amount_vnd=amount, approved_on=on)


def instalments(
    first_due: date, count: int = 3, principal: int = 4_000_000
) -> tuple[loans.Instalment, ...]:
    return tuple(
        loans.Instalment(
            number=n + 1,
            due_on=date(
                first_due.year + (first_due.month + n - 1) // 12,
                (first_due.month + n - 1) % 12 + 1,
                first_due.day,
            ),
            principal_vnd=principal,
            interest_vnd=40_000 * (count - n),
        )
        for n in range(count)
    )


def loan_disbursed(
    on: date = date(2026, 1, 15), first_due: date = date(2026, 2, 15), count: int = 3
) -> loans.LoanDisbursed:
    schedule = instalments(first_due, count)
    return loans.LoanDisbursed(
        amount_vnd=sum(i.principal_vnd for i in schedule),
        disbursed_on=on,
        term_months=count,
        annual_interest_rate_bp=1200,
        schedule=schedule,
    )


def repaid(on: date, amount: int, through: int = 0) -> loans.LoanRepaymentReceived:
    return loans.LoanRepaymentReceived(
        amount_vnd=amount,
        paid_on=on,
        principal_vnd=amount,
        interest_vnd=0,
        outstanding_vnd=0,
        paid_through_instalment=through,
    )


def loan_settled(on: date) -> loans.LoanSettled:
    return loans.LoanSettled(settled_on=on, repaid_vnd=12_240_000)


def foreign_worker(
    commune: str = "27937",
    nationality: str = "KR",
    employer: str = "1101234567",
    engaged_on: date = date(2026, 3, 1),
    position: p.PositionType = p.PositionType.expert,
) -> p.ForeignWorkerRegistered:
    return p.ForeignWorkerRegistered(
        person=p.ForeignPerson(
            full_name="KIM MIN JUN", passport_number="M12345678", date_of_birth=date(1985, 7, 21)
        ),
        sex=p.Sex.male,
        nationality=nationality,
        employer_tax_code=employer,
        position=position,
        commune_code=commune,
        province_code="80",
        engaged_on=engaged_on,
    )


def permit_issued(
    issued: date = date(2026, 3, 1),
    expires: date = date(2028, 2, 28),
    position: p.PositionType = p.PositionType.expert,
    employer: str = "1101234567",
) -> p.PermitIssued:
    return p.PermitIssued(
        permit_number="LA-2026-000123",
        issue_date=issued,
        expiry_date=expires,
        position=position,
        employer_tax_code=employer,
    )


def permit_extended(previous: date, new: date, on: date) -> p.PermitExtended:
    return p.PermitExtended(
        permit_number="LA-2026-000123",
        previous_expiry_date=previous,
        new_expiry_date=new,
        extended_on=on,
    )


def permit_revoked(on: date) -> p.PermitRevoked:
    return p.PermitRevoked(
        permit_number="LA-2026-000123",
        reason=p.RevocationReason.contract_ended_early,
        revoked_on=on,
    )


def exemption(valid_from: date, valid_until: date) -> p.ExemptionCertified:
    return p.ExemptionCertified(
        legal_ground="Nghị định 152/2020, điều 7", valid_from=valid_from, valid_until=valid_until
    )


def employment_ended(on: date) -> p.EmploymentEnded:
    return p.EmploymentEnded(ended_on=on, reason=p.EmploymentEndReason.early_termination)


# -- folding a stream as the projection does --------------------------------------------------


def fold(events: Sequence[EventPayload]) -> tuple[Facts | None, list[Increment]]:
    """The stream's facts after `events`, and every increment they made, in order."""
    facts: Facts | None = None
    found: list[Increment] = []
    for event in events:
        facts = evolve(facts, event)
        found.extend(increments(event, facts))
    return facts, found


def counted(items: Sequence[Increment], indicator: str) -> list[Increment]:
    return [i for i in items if i.indicator == indicator]


def totals(items: Sequence[Increment], indicator: str | None = None) -> list[Increment]:
    return [i for i in items if i.dimension == TOTAL and indicator in (None, i.indicator)]


def breakdown(items: Sequence[Increment], indicator: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for i in counted(items, indicator):
        if i.dimension != TOTAL:
            found.setdefault(i.dimension, set()).add(i.dim_value)
    return found


# -- outbound workers -------------------------------------------------------------------------


def test_a_registration_adds_one_to_its_commune_in_the_month_it_was_registered() -> None:
    (total,) = totals(increments(registered(KHOEN_ON, date(2026, 2, 17))))

    assert total == Increment("workers_registered", KHOEN_ON, date(2026, 2, 1), TOTAL, TOTAL, 1)


def test_a_registration_is_broken_down_by_sex_ethnicity_and_each_priority_group() -> None:
    groups = (r.PriorityGroup.poor_household, r.PriorityGroup.ethnic_minority)
    event = registered(sex=r.Sex.male, groups=groups)

    assert breakdown(increments(event), "workers_registered") == {
        "sex": {"male"},
        "ethnicity": {THAI},
        "priority_groups": {"ethnic_minority", "poor_household"},
    }


def test_a_registration_without_priority_groups_has_no_priority_group_rows() -> None:
    assert "priority_groups" not in breakdown(
        increments(registered(groups=())), "workers_registered"
    )


def test_a_departure_counts_where_the_worker_registered_with_the_contracts_breakdown() -> None:
    stream = [
        registered(KHOEN_ON, sex=r.Sex.male),
        contract("JP", programme="japan_tits"),
        departed(date(2026, 9, 3)),
    ]

    _, found = fold(stream)

    (total,) = totals(found, "departed")
    assert total == Increment("departed", KHOEN_ON, date(2026, 9, 1), TOTAL, TOTAL, 1)
    assert breakdown(found, "departed") == {
        "destination_country": {"JP"},
        "programme": {"japan_tits"},
        "sending_organisation": {"Công ty Cổ phần Nhân lực Sona"},
        "sex": {"male"},
        "ethnicity": {THAI},
    }


def test_a_signed_contract_breaks_down_by_the_same_organisation_name_as_the_departure() -> None:
    _, found = fold([registered(KHOEN_ON), contract("JP"), departed(date(2026, 9, 3))])

    signed = breakdown(found, "contracts_signed")["sending_organisation"]
    assert signed == {"Công ty Cổ phần Nhân lực Sona"}
    assert signed == breakdown(found, "departed")["sending_organisation"]


def test_after_a_move_later_events_count_in_the_new_commune_and_earlier_ones_stay() -> None:
    stream = [registered(MUONG_KIM), moved(HOAN_KIEM, "01"), contract(), departed()]

    facts, found = fold(stream)

    assert [(i.indicator, i.unit_code) for i in totals(found)] == [
        ("workers_registered", MUONG_KIM),
        ("contracts_signed", HOAN_KIEM),
        ("departed", HOAN_KIEM),
        ("jobs_created", HOAN_KIEM),
    ]
    assert facts is not None
    assert facts.province_code == "01"


def test_training_counts_enrolments_by_kind_and_passes_but_not_failures() -> None:
    stream = [
        registered(),
        enrolled(kind=r.TrainingKind.orientation),
        enrolled(date(2026, 3, 9)),
        result(date(2026, 5, 30), passed=False),
        result(date(2026, 6, 30), passed=True),
        result(date(2026, 6, 30), passed=True, exam=None, kind=r.TrainingKind.orientation),
    ]

    _, found = fold(stream)

    assert len(totals(found, "enrolled_in_training")) == 2
    assert breakdown(found, "enrolled_in_training")["kind"] == {"language", "orientation"}
    assert [i.period for i in totals(found, "trained")] == [date(2026, 6, 1)] * 2
    assert breakdown(found, "trained")["kind"] == {"language", "orientation"}
    # both EPS-TOPIK sittings were training for EPS; only the second passed
    assert [i.period for i in totals(found, "trained_for_eps")] == [
        date(2026, 5, 1),
        date(2026, 6, 1),
    ]
    assert breakdown(found, "trained_for_eps")["passed"] == {"false", "true"}
    assert [i.period for i in totals(found, "eps_topik_passed")] == [date(2026, 6, 1)]


def test_returns_abscondings_and_overstays_count_by_their_own_dates() -> None:
    stream = [
        registered(),
        contract("TW", programme="taiwan"),
        departed(date(2026, 8, 1)),
        absconded(date(2027, 1, 20)),
        overstayed(date(2029, 8, 2)),
        returned(date(2030, 2, 14), r.ReturnReason.deported),
    ]

    _, found = fold(stream)

    assert [(i.indicator, i.period) for i in totals(found)][-3:] == [
        ("absconded", date(2027, 1, 1)),
        ("overstayed", date(2029, 8, 1)),
        ("returned", date(2030, 2, 1)),
    ]
    assert breakdown(found, "returned")["reason"] == {"deported"}
    assert breakdown(found, "overstayed")["destination_country"] == {"TW"}


def test_a_stream_whose_first_event_never_came_counts_in_no_unit() -> None:
    (total,) = totals(increments(departed()), "departed")

    assert total.unit_code == ""


# -- loans ------------------------------------------------------------------------------------


def test_loan_events_count_in_the_borrowers_commune_and_disbursement_adds_the_amount() -> None:
    stream = [
        loan_applied(KHOEN_ON),
        loan_approved(date(2026, 2, 2)),
        loan_disbursed(date(2026, 2, 9)),
    ]

    _, found = fold(stream)

    assert [(i.indicator, i.unit_code, i.period, i.delta) for i in totals(found)] == [
        ("loan_applications", KHOEN_ON, date(2026, 1, 1), 1),
        ("loan_approvals", KHOEN_ON, date(2026, 2, 1), 1),
        ("loans_disbursed_vnd", KHOEN_ON, date(2026, 2, 1), 12_000_000),
    ]
    assert breakdown(found, "loans_disbursed_vnd") == {"purpose": {"going_abroad"}}


def test_a_repayment_counts_nothing_but_is_kept_in_the_loans_facts_with_its_date() -> None:
    facts, found = fold(
        [loan_applied(), loan_approved(), loan_disbursed(), repaid(date(2026, 2, 14), 500_000)]
    )

    assert {i.indicator for i in found} == {
        "loan_applications",
        "loan_approvals",
        "loans_disbursed_vnd",
    }
    assert isinstance(facts, LoanFacts)
    assert facts.payments == (Payment(paid_on=date(2026, 2, 14), amount_vnd=500_000),)


# -- foreign workers --------------------------------------------------------------------------


def test_permit_events_count_in_the_employers_commune_by_nationality_position_and_employer() -> (
    None
):
    stream = [
        foreign_worker("27937", "CN", "0300000001"),
        permit_issued(date(2026, 3, 1), date(2028, 2, 28), p.PositionType.manager, "0300000001"),
        permit_extended(date(2028, 2, 28), date(2030, 2, 28), date(2028, 1, 5)),
        permit_revoked(date(2029, 4, 1)),
    ]

    _, found = fold(stream)

    assert [(i.indicator, i.unit_code, i.period) for i in totals(found)] == [
        ("permits_issued", "27937", date(2026, 3, 1)),
        ("permits_extended", "27937", date(2028, 1, 1)),
        ("permits_revoked", "27937", date(2029, 4, 1)),
    ]
    for indicator in ("permits_issued", "permits_extended", "permits_revoked"):
        assert breakdown(found, indicator)["nationality"] == {"CN"}
        assert breakdown(found, indicator)["position"] == {"manager"}
        assert breakdown(found, indicator)["employer"] == {"0300000001"}
    assert breakdown(found, "permits_revoked")["reason"] == {"contract_ended_early"}


def test_an_exemption_counts_in_the_month_it_becomes_valid() -> None:
    _, found = fold([foreign_worker(), exemption(date(2026, 4, 10), date(2027, 4, 9))])

    assert [(i.indicator, i.period) for i in totals(found)] == [
        ("exemptions_certified", date(2026, 4, 1))
    ]


# -- the rules as data ------------------------------------------------------------------------


def test_an_event_no_rule_names_moves_nothing() -> None:
    rule = CountRule(r.WorkerDeparted.event_type, "departed", "departure_date")

    assert increments(registered(), rules=[rule]) == []


def test_merging_sums_the_deltas_of_one_row_and_drops_rows_that_cancel_out() -> None:
    a = Increment("workers_registered", MUONG_KIM, date(2026, 2, 1), TOTAL, TOTAL, 1)
    b = Increment("workers_registered", KHOEN_ON, date(2026, 2, 1), TOTAL, TOTAL, 1)

    merged = merge([a, a, b, a, replace(b, delta=-1)])

    assert merged == [Increment("workers_registered", MUONG_KIM, date(2026, 2, 1), TOTAL, TOTAL, 3)]


def test_a_rule_naming_an_attribute_neither_the_event_nor_the_facts_have_is_refused() -> None:
    rule = CountRule(
        r.WorkerRegistered.event_type, "workers_registered", "registered_on", ("district_code",)
    )

    with pytest.raises(RuleError, match="district_code"):
        increments(registered(), rules=[rule])


def test_every_rule_names_attributes_of_its_event_or_of_its_streams_facts() -> None:
    for rule in RULES:
        cls = payload_class(rule.event_type)
        known = cls.model_fields.keys() | FACTS_BY_STREAM[cls.stream_type].model_fields.keys()
        named = {rule.unit_field, rule.date_field, *rule.dimensions, *(n for n, _ in rule.where)}
        assert named <= known, f"{rule.indicator} names {named - known}"


def test_the_projection_handles_the_events_that_count_and_those_that_change_facts() -> None:
    assert handled_event_types() == {rule.event_type for rule in RULES} | FACT_EVENT_TYPES
    assert r.WorkerProfileUpdated.event_type in handled_event_types()
    assert loans.LoanRepaymentReceived.event_type in handled_event_types()
    assert r.WorkerWithdrawn.event_type not in handled_event_types()
