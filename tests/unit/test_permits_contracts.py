"""The permits service's event contracts: the JSON of every event is locked by a golden file
(tests/golden/permits/<aggregate>_<fact>_v1.json), and each golden file reads back as its event.

"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from lmis_shared.contracts import permits as c
from lmis_shared.events import EventPayload
from tests.unit.golden import assert_matches_golden_file, assert_samples_of_every_event_type
from tests.unit.permit_examples import HOA_BINH

PERSON = c.ForeignPerson(
    full_name="KIM MIN JUN", passport_number="M12345678", date_of_birth=date(1985, 7, 21)
)

SAMPLES: list[EventPayload] = [
    c.EmployerRegistered(
        **HOA_BINH, sector="electronics manufacturing", registered_on=date(2020, 5, 4)
    ),
    c.EmployerRenamed(tax_code="1101234567", name="Công ty TNHH Hòa Bình Việt Nam"),
    c.EmployerRelocated(
        tax_code="1101234567",
        address="Đường số 3, KCN Tân Đức",
        commune_code="27991",
        province_code="80",
        industrial_zone=None,
    ),
    c.EmployerSectorChanged(tax_code="1101234567", sector="textiles"),
    c.DemandSubmitted(
        employer_tax_code="1101234567",
        commune_code="27937",
        province_code="80",
        position=c.PositionType.expert,
        job_title="Kỹ sư vận hành dây chuyền SMT",
        number_of_foreigners=3,
        period_start=date(2026, 1, 1),
        period_end=date(2027, 12, 31),
        reason="Dây chuyền mới cần kỹ sư có 5 năm kinh nghiệm",
        submitted_on=date(2025, 11, 2),
    ),
    c.DemandApproved(
        approved_number=2, decision_number="1520/QĐ-UBND", decision_date=date(2025, 11, 20)
    ),
    c.DemandRejected(reason="Vị trí có thể tuyển trong nước", decided_on=date(2025, 11, 21)),
    c.DemandAnnouncementRecorded(
        announced_on=date(2025, 10, 20),
        channel=c.AnnouncementChannel.employment_service_centre_portal,
        posting_reference="vieclamlaichau.gov.vn/tin/2025-0142",
        occupation_code="7212",
        sector="manufacturing",
    ),
    c.DemandCandidateReferred(
        worker_id=UUID("5b1f7a52-3c1e-4f0e-9a51-0f7c2d9e4a11"), referred_on=date(2025, 11, 10)
    ),
    c.DemandVietnameseHired(
        worker_id=UUID("5b1f7a52-3c1e-4f0e-9a51-0f7c2d9e4a11"),
        returnee=True,
        hired_on=date(2025, 11, 17),
        commune_code="03637",
        province_code="12",
    ),
    c.ForeignWorkerRegistered(
        person=PERSON,
        sex=c.Sex.male,
        nationality="KR",
        employer_tax_code="1101234567",
        position=c.PositionType.expert,
        job_title="Kỹ sư vận hành dây chuyền SMT",
        qualifications=("B.Eng. Electronics",),
        commune_code="27937",
        province_code="80",
        engaged_on=date(2026, 3, 1),
    ),
    c.PermitApplied(applied_on=date(2026, 2, 1)),
    c.PermitIssued(
        permit_number="LA-2026-000123",
        issue_date=date(2026, 3, 1),
        expiry_date=date(2028, 2, 28),
        position=c.PositionType.expert,
        employer_tax_code="1101234567",
        work_location="Lô B2, KCN Đức Hòa 1",
    ),
    c.PermitExtensionApplied(applied_on=date(2028, 1, 20), current_expiry_date=date(2028, 2, 28)),
    c.PermitExtended(
        permit_number="LA-2026-000123",
        previous_expiry_date=date(2028, 2, 28),
        new_expiry_date=date(2030, 2, 27),
        extended_on=date(2028, 2, 10),
    ),
    c.PermitRevoked(
        permit_number="LA-2026-000123",
        reason=c.RevocationReason.contract_ended_early,
        revoked_on=date(2027, 6, 1),
    ),
    c.ExemptionCertified(
        legal_ground="Nghị định 152/2020/NĐ-CP, Điều 7 khoản 4",
        certificate_number="125/XN-SNV",
        valid_from=date(2026, 3, 1),
        valid_until=date(2028, 2, 28),
    ),
    c.EmploymentEnded(ended_on=date(2027, 6, 30), reason=c.EmploymentEndReason.early_termination),
    c.HealthCheckRecorded(
        checked_on=date(2026, 2, 15), result=c.HealthResult.fit, facility="Bệnh viện Long An"
    ),
    c.TemporaryResidenceRegistered(
        card=c.ResidenceCard(number="TT123456"),
        valid_from=date(2026, 3, 10),
        valid_until=date(2028, 2, 28),
    ),
    c.ForeignWorkerErased(
        legal_basis="Luật 91/2025/QH15, Điều 14: hết thời hạn lưu trữ",
        request_reference="QĐ-2036-0007",
        erased_on=date(2036, 7, 1),
    ),
]


def test_there_is_a_sample_of_every_permits_event_type_each_versioned() -> None:
    assert_samples_of_every_event_type("permits", SAMPLES)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.event_type)
def test_the_event_json_is_its_golden_file_byte_for_byte_and_reads_back(
    sample: EventPayload,
) -> None:
    assert_matches_golden_file(sample)


def test_personal_identifiers_sit_only_under_person_and_card() -> None:
    personal = {"full_name", "passport_number", "date_of_birth", "number"}
    for sample in SAMPLES:
        top_level = set(sample.model_dump()) - {"person", "card"}
        assert not top_level & personal, sample.event_type
