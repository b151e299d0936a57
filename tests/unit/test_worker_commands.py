"""Field validation of the worker-file commands: each refusal names the field."""

from __future__ import annotations

from typing import Any

import pytest

from lmis_registry.domain import workers as w
from lmis_registry.domain.workers.reference import PROGRAMMES, countries
from tests.unit.refusals import refusal_messages, refused_fields
from tests.unit.worker_examples import command


def org(**fields: Any) -> dict[str, Any]:
    return fields


@pytest.mark.parametrize(
    ("kind", "changes", "field"),
    [
        (w.EnrolTraining, {"kind": "cooking"}, "kind"),
        (w.EnrolTraining, {"centre": "  "}, "centre"),
        (w.EnrolTraining, {"centre": "12345"}, "centre"),
        (w.EnrolTraining, {"language": None}, "language"),  # language training needs one
        (w.EnrolTraining, {"language": "korean"}, "language"),
        (w.EnrolTraining, {"kind": "vocational"}, "language"),  # only for language training
        (w.RecordTrainingResult, {"passed": "maybe"}, "passed"),
        (w.RecordTrainingResult, {"score": 201}, "score"),  # EPS-TOPIK tops at 200
        (w.RecordTrainingResult, {"score": -1}, "score"),
        (w.RecordTrainingResult, {"exam": None}, "score"),  # a score needs its exam
        (w.SignContract, {"destination_country": "XX"}, "destination_country"),
        (w.SignContract, {"destination_country": "VN"}, "destination_country"),
        (w.SignContract, {"destination_country": "KOR"}, "destination_country"),
        (w.SignContract, {"programme": "space_tourism"}, "programme"),
        (w.SignContract, {"destination_country": "TW"}, "programme"),  # EPS sends to Korea
        (w.SignContract, {"duration_months": 0}, "duration_months"),
        (w.SignContract, {"monthly_salary_vnd": 0}, "monthly_salary_vnd"),
        (w.SignContract, {"monthly_salary_vnd": 12.5}, "monthly_salary_vnd"),
        (w.SignContract, {"fees_vnd": {"deposit": -5}}, "fees_vnd.deposit"),
        (w.SignContract, {"fees_vnd": {"Phí dịch vụ": 5}}, "fees_vnd.Phí dịch vụ.[key]"),
        (w.SignContract, {"sector": "piracy"}, "sector"),
        (w.SignContract, {"start_date": "2021-02-30"}, "start_date"),
        (
            w.SignContract,
            {"sending_organisation": org(kind="licensed_enterprise", name="Sona Co.")},
            "sending_organisation.licence_number",
        ),
        (
            w.SignContract,
            {"sending_organisation": org(kind="licensed_enterprise", licence_number="12/GP")},
            "sending_organisation.name",
        ),
        (
            w.SignContract,
            {"sending_organisation": org(kind="individual_contract", name="Sona Co.")},
            "sending_organisation.name",
        ),
        (
            w.SignContract,
            {
                "sending_organisation": org(
                    kind="licensed_enterprise", name="Sona Co.", licence_number="no number"
                )
            },
            "sending_organisation.licence_number",
        ),
        (w.RecordDeparture, {"departure_date": "yesterday"}, "departure_date"),
        (w.RecordDeparture, {"border_gate": ""}, "border_gate"),
        (w.ExtendContract, {"new_end_date": None}, "new_end_date"),
        (w.RecordReturn, {"reason": "bored"}, "reason"),
        (w.ReportAbsconded, {"source": "rumour"}, "source"),
        (w.ReportOverstaying, {"date": "2024-13-01"}, "date"),
        (w.Withdraw, {"reason": None}, "reason"),
        (w.Withdraw, {"extra": 1}, "extra"),
    ],
)
def test_an_invalid_field_is_refused_naming_it(
    kind: type[w.WorkerCommand], changes: dict[str, Any], field: str
) -> None:
    assert field in refused_fields(command, kind, **changes)


def test_text_is_kept_as_typed_in_nfc() -> None:
    decomposed = "Nô\u0323i Ba\u0300i"  # "Nội Bài" typed with combining marks
    departure = command(w.RecordDeparture, border_gate=f"  {decomposed}  ")
    assert departure.border_gate == "Nội Bài"


def test_a_contract_names_its_destination_in_upper_case_and_may_be_individual() -> None:
    contract = command(
        w.SignContract,
        destination_country="ro",
        programme="contract_labour",
        sending_organisation={"kind": "individual_contract"},
    )
    assert contract.destination_country == "RO"
    assert contract.sending_organisation.to_contract().name is None


def test_a_licensed_enterprise_gives_its_licence_number() -> None:
    contract = command(
        w.SignContract,
        destination_country="JP",
        programme="japan_technical_intern",
        sending_organisation={
            "kind": "licensed_enterprise",
            "name": "Công ty Cổ phần Nhân lực Sona",
            "licence_number": "123/LĐTBXH-GP",
        },
    )
    assert contract.sending_organisation.licence_number == "123/LĐTBXH-GP"


def test_the_reference_data_knows_the_countries_and_sends_each_programme_somewhere() -> None:
    assert len(countries()) == 249
    assert countries()["KR"] == "Korea (South)"
    assert all(
        p.destinations is None or p.destinations <= countries().keys() for p in PROGRAMMES.values()
    )


def test_a_refused_value_is_not_echoed() -> None:
    assert "999198001234" not in refusal_messages(
        command, w.UpdateProfile, citizen_id="999198001234"
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"full_name": None}, "full_name"),  # required fields may change, not be cleared
        ({"commune_code": None}, "commune_code"),
        ({"commune_code": "99999"}, "commune_code"),
        ({"citizen_id": "12345"}, "citizen_id"),
        ({"passport_number": "12345678"}, "passport_number"),
        ({"phone": "12345"}, "phone"),
        ({"ethnicity": "Klingon"}, "ethnicity"),
        ({"education": "wizardry"}, "education"),
    ],
)
def test_an_invalid_profile_field_is_refused_naming_it(changes: dict[str, Any], field: str) -> None:
    assert field in refused_fields(command, w.UpdateProfile, **changes)


def test_a_profile_update_keeps_only_what_was_sent_and_normalises_it() -> None:
    update = command(w.UpdateProfile, passport_number="c1234567", village=None)
    assert update.changes() == {
        "passport_number": "C1234567",
        "phone": "0912345678",
        "village": None,
    }
