"""The worker events' wire format, locked by golden files (tests/golden/registry/).

A change to an event's JSON breaks its golden file: a new version of the event (`….v2`, with
an upcaster) is due, not an edit. `LMIS_UPDATE_GOLDEN=1` rewrites the files after a
deliberate change, to be reviewed like code.
"""

from __future__ import annotations

from datetime import date

import pytest

from lmis_shared.contracts import registry as r
from lmis_shared.events import EventPayload, catalogue
from tests.unit.golden import assert_matches_golden_file
from tests.unit.test_indicator_rules import SONA

PERSON = r.Person(
    full_name="Lò Thị Mai", date_of_birth=date(1998, 4, 12), citizen_id="012198001234"
)

EXAMPLES: list[EventPayload] = [
    r.WorkerRegistered(
        person=PERSON,
        sex=r.Sex.female,
        ethnicity="03",
        commune_code="03637",
        province_code="12",
        priority_groups=(r.PriorityGroup.ethnic_minority, r.PriorityGroup.poor_household),
        registered_on=date(2021, 1, 4),
    ),
    r.WorkerProfileUpdated(
        changed=("person.phone", "person.village", "commune_code", "province_code"),
        person=r.PersonChanges(phone="0912345678"),
        commune_code="00004",
        province_code="01",
    ),
    r.WorkerEnrolledInTraining(
        kind=r.TrainingKind.language,
        centre="Trung tâm Ngoại ngữ Lai Châu",
        language="ko",
        enrolled_on=date(2021, 2, 1),
    ),
    r.WorkerTrainingResultRecorded(
        kind=r.TrainingKind.language,
        completed_on=date(2021, 6, 30),
        passed=True,
        exam=r.Exam.eps_topik,
        score=142,
    ),
    r.WorkerContractSigned(
        destination_country="KR",
        programme="korea_eps",
        sending_organisation=SONA,
        employer="Hanil Manufacturing Co.",
        sector=r.Sector.manufacturing,
        start_date=date(2021, 9, 1),
        duration_months=36,
        end_date=date(2024, 9, 1),
        monthly_salary_vnd=42_000_000,
        fees_vnd={"service_fee": 650_000, "deposit": 100_000_000},
        signed_on=date(2021, 7, 15),
    ),
    r.WorkerDeparted(departure_date=date(2021, 8, 28), border_gate="Nội Bài"),
    r.WorkerContractExtended(previous_end_date=date(2024, 9, 1), new_end_date=date(2025, 8, 31)),
    r.WorkerReturned(return_date=date(2025, 9, 3), reason=r.ReturnReason.contract_completed),
    r.WorkerReturnSkillsRecorded(
        consent_to_contact=True,
        occupation_code="7212",
        sector=r.Sector.manufacturing,
        years_of_experience=4,
        certificates=("Chứng chỉ hàn TIG cấp 2",),
        language="ko",
        language_level="TOPIK 3",
        intention=r.ReturnIntention.work_locally,
        recorded_on=date(2025, 9, 20),
    ),
    r.WorkerAbsconded(absconded_on=date(2022, 5, 20), source=r.ReportSource.employer),
    r.WorkerOverstayed(overstaying_since=date(2024, 9, 15), source=r.ReportSource.embassy),
    r.WorkerWithdrawn(withdrawn_on=date(2021, 7, 1), reason=r.WithdrawalReason.failed_exam),
    r.WorkerErased(
        legal_basis="Luật 91/2025/QH15, Điều 14: yêu cầu xóa dữ liệu của chủ thể",
        request_reference="YC-2026-0042",
        erased_on=date(2026, 3, 2),
    ),
]


def test_every_worker_event_of_the_catalogue_has_a_golden_example() -> None:
    worker_events = {
        name
        for name, cls in catalogue().items()
        if cls.__module__ == r.__name__ and cls.stream_type == "worker"
    }
    assert {e.event_type for e in EXAMPLES} == worker_events


@pytest.mark.parametrize("payload", EXAMPLES, ids=lambda p: p.event_type)
def test_the_event_matches_its_golden_file_and_reads_back(payload: EventPayload) -> None:
    assert_matches_golden_file(payload)


def test_every_event_name_is_versioned_under_the_registry() -> None:
    for payload in EXAMPLES:
        assert payload.event_type.startswith("lmis.registry.worker.")
        assert payload.event_type.endswith(".v1")
