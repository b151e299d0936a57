"""The foreign worker file: every command's happy path, each refused transition, field rules,
the headcount limit, and the one-extension rule, on plain values."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from pydantic import BaseModel, ValidationError

from lmis_permits.domain import employers
from lmis_permits.domain import foreign_workers as fw
from lmis_permits.domain.errors import HeadcountExceeded, IllegalTransition
from lmis_permits.domain.headcount import Headcount
from lmis_permits.domain.rules import PermitRules
from lmis_shared.contracts.permits import ForeignWorkerRegistered, PermitIssued, PositionType
from lmis_shared.errors import InvalidInput
from lmis_shared.events import EventPayload
from tests.unit.permit_examples import HOA_BINH
from tests.unit.refusals import refusal_messages, refused_fields

TODAY = date(2026, 11, 23)
RULES = PermitRules()
ROOM = Headcount(PositionType.expert, approved=3, engaged=0)
FileStatus = fw.FileStatus


def employer() -> employers.Employer:
    return employers.Employer(
        id=uuid4(),
        version=1,
        **HOA_BINH,
        sector="electronics",
        registered_on=date(2020, 1, 1),
    )


def registration(**changes: Any) -> fw.RegisterForeignWorker:
    body: dict[str, Any] = {
        "employer_tax_code": "1101234567",
        "full_name": "KIM  MIN JUN",
        "nationality": "kr",
        "passport_number": "m1234 5678",
        "date_of_birth": "1985-07-21",
        "sex": "male",
        "position": "expert",
        "engaged_on": "2024-03-01",
    }
    return fw.RegisterForeignWorker.model_validate(body | changes)


def register(command: fw.RegisterForeignWorker, headcount: Headcount = ROOM) -> list[EventPayload]:
    return fw.decide(None, command, TODAY, rules=RULES, employer=employer(), headcount=headcount)


def registered() -> fw.ForeignWorkerFile:
    return fw.AGGREGATE.fold_more(None, uuid4(), register(registration()))


def run(
    state: fw.ForeignWorkerFile, *commands: fw.FileCommand, today: date = TODAY
) -> fw.ForeignWorkerFile:
    for command in commands:
        decided = fw.decide(state, command, today, rules=RULES)
        state = fw.AGGREGATE.fold_more(state, state.id, decided)
    return state


ISSUE = fw.IssuePermit(
    permit_number="LA-2024-000123", issue_date=date(2024, 3, 1), expiry_date=date(2026, 2, 28)
)
ISSUE_RECENT = fw.IssuePermit(
    permit_number="LA-2025-000456", issue_date=date(2025, 1, 10), expiry_date=date(2026, 12, 31)
)
APPLY_EXTENSION = fw.ApplyForExtension(applied_on=date(2026, 11, 20))
EXTEND = fw.ExtendPermit(new_expiry_date=date(2028, 12, 31))


def test_registration_opens_the_file_in_the_employers_commune() -> None:
    [event] = register(registration())
    assert isinstance(event, ForeignWorkerRegistered)
    assert (event.commune_code, event.province_code, event.nationality) == ("27937", "80", "KR")
    assert event.person.passport_number == "M12345678"
    assert event.person.full_name == "KIM MIN JUN"
    assert registered().status == FileStatus.registered


def test_registration_beyond_the_approved_headcount_is_refused() -> None:
    full = Headcount(PositionType.expert, approved=2, engaged=2)
    with pytest.raises(HeadcountExceeded) as caught:
        register(registration(), full)
    assert caught.value.extensions() == {"position": "expert", "approved": 2, "engaged": 2}


def test_registration_with_no_approved_demand_is_refused() -> None:
    with pytest.raises(HeadcountExceeded):
        register(registration(), Headcount(PositionType.expert, 0, 0))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"nationality": "XX"}, "nationality"),
        ({"nationality": "KOR"}, "nationality"),
        ({"nationality": "VN"}, "nationality"),
        ({"passport_number": "12"}, "passport_number"),
        ({"passport_number": "ABCDEFGH"}, "passport_number"),
        ({"passport_number": "M1234/678"}, "passport_number"),
        ({"full_name": "KIM 2"}, "full_name"),
        ({"employer_tax_code": "11012"}, "employer_tax_code"),
        ({"position": "janitor"}, "position"),
        ({"sex": "x"}, "sex"),
        ({"date_of_birth": "21/07/1985"}, "date_of_birth"),
        ({"qualifications": ["x"]}, "qualifications"),
    ],
)
def test_invalid_registration_fields_are_refused_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    assert field in refused_fields(registration, **changes)


def test_a_refused_passport_number_is_not_echoed_in_the_message() -> None:
    assert "M1234/678" not in refusal_messages(registration, passport_number="M1234/678")


def test_a_worker_under_eighteen_on_the_first_day_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        register(registration(date_of_birth="2006-03-02"))
    assert caught.value.field == "date_of_birth"


def test_apply_then_issue_gives_a_permitted_file_with_the_permit() -> None:
    state = run(registered(), fw.ApplyForPermit(applied_on=date(2024, 2, 1)), ISSUE)
    assert state.status == FileStatus.permitted
    assert state.permit is not None
    assert (state.permit.permit_number, state.permit.applied_on) == (
        "LA-2024-000123",
        date(2024, 2, 1),
    )


def test_a_historical_permit_can_be_issued_without_its_application() -> None:
    [issued] = fw.decide(registered(), ISSUE, TODAY, rules=RULES)
    assert isinstance(issued, PermitIssued)
    assert (issued.position, issued.employer_tax_code) == ("expert", "1101234567")


def test_a_permit_longer_than_two_years_is_refused() -> None:
    too_long = ISSUE.model_copy(update={"expiry_date": date(2026, 3, 2)})
    with pytest.raises(InvalidInput) as caught:
        fw.decide(registered(), too_long, TODAY, rules=RULES)
    assert caught.value.field == "expiry_date"


def test_a_permit_issued_before_its_application_or_in_the_future_is_refused() -> None:
    applied = run(registered(), fw.ApplyForPermit(applied_on=date(2024, 3, 5)))
    with pytest.raises(InvalidInput) as caught:
        fw.decide(applied, ISSUE, TODAY, rules=RULES)
    assert caught.value.field == "issue_date"
    future = ISSUE.model_copy(
        update={"issue_date": date(2026, 11, 24), "expiry_date": date(2027, 1, 1)}
    )
    with pytest.raises(InvalidInput):
        fw.decide(registered(), future, TODAY, rules=RULES)


def test_a_permit_expiring_before_it_is_issued_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        fw.IssuePermit.model_validate(
            {"permit_number": "LA-1", "issue_date": "2026-01-01", "expiry_date": "2026-01-01"}
        )
    assert [e["loc"] for e in caught.value.errors()] == [("expiry_date",)]


def test_an_extension_applied_within_the_window_then_granted_extends_the_permit() -> None:
    state = run(registered(), ISSUE_RECENT, APPLY_EXTENSION, EXTEND)
    assert state.status == FileStatus.extended
    assert state.permit is not None
    assert (state.permit.expiry_date, state.permit.original_expiry_date) == (
        date(2028, 12, 31),
        date(2026, 12, 31),
    )


@pytest.mark.parametrize(
    ("applied_on", "accepted"),
    [
        (date(2026, 11, 15), False),  # 46 days before expiry: too early
        (date(2026, 11, 16), True),  # 45 days before
        (date(2026, 12, 26), True),  # 5 days before
        (date(2026, 12, 27), False),  # 4 days before: too late
    ],
)
def test_an_extension_is_applied_for_between_45_and_5_days_before_expiry(
    applied_on: date, accepted: bool
) -> None:
    state = run(registered(), ISSUE_RECENT)
    command = fw.ApplyForExtension(applied_on=applied_on)
    if accepted:
        assert fw.decide(state, command, date(2026, 12, 31), rules=RULES)
    else:
        with pytest.raises(InvalidInput) as caught:
            fw.decide(state, command, date(2026, 12, 31), rules=RULES)
        assert caught.value.field == "applied_on"


def test_the_extension_window_comes_from_the_rules() -> None:
    state = run(registered(), ISSUE_RECENT)
    wide = PermitRules(extension_opens_days_before=90, extension_closes_days_before=1)
    command = fw.ApplyForExtension(applied_on=date(2026, 10, 15))
    assert fw.decide(state, command, TODAY, rules=wide)
    with pytest.raises(InvalidInput):
        fw.decide(state, command, TODAY, rules=RULES)


@pytest.mark.parametrize("new_expiry", [date(2026, 12, 31), date(2029, 1, 1)])
def test_an_extension_must_add_at_most_two_years(new_expiry: date) -> None:
    state = run(registered(), ISSUE_RECENT, APPLY_EXTENSION)
    with pytest.raises(InvalidInput) as caught:
        fw.decide(state, fw.ExtendPermit(new_expiry_date=new_expiry), TODAY, rules=RULES)
    assert caught.value.field == "new_expiry_date"


def test_a_permit_is_extended_only_once() -> None:
    state = run(registered(), ISSUE_RECENT, APPLY_EXTENSION, EXTEND)
    with pytest.raises(IllegalTransition) as caught:
        fw.decide(
            state,
            fw.ApplyForExtension(applied_on=date(2028, 12, 1)),
            date(2028, 12, 1),
            rules=RULES,
        )
    assert caught.value.current_state == "extended"
    assert "apply-extension" not in caught.value.allowed_commands
    assert "apply-permit" in caught.value.allowed_commands


def test_a_revoked_permit_is_revoked_and_allows_only_what_an_employed_person_needs() -> None:
    revoke = fw.RevokePermit(reason="broke_the_law", revoked_on=date(2025, 6, 1))
    state = run(registered(), ISSUE_RECENT, revoke)
    assert state.status == FileStatus.revoked
    with pytest.raises(IllegalTransition) as caught:
        fw.decide(state, APPLY_EXTENSION, TODAY, rules=RULES)
    assert caught.value.allowed_commands == [
        "record-health-check",
        "register-residence",
        "end-employment",
    ]


def test_a_revocation_before_the_issue_date_is_refused() -> None:
    revoke = fw.RevokePermit(reason="obtained_wrongly", revoked_on=date(2025, 1, 9))
    with pytest.raises(InvalidInput) as caught:
        fw.decide(run(registered(), ISSUE_RECENT), revoke, TODAY, rules=RULES)
    assert caught.value.field == "revoked_on"


def test_an_exemption_replaces_the_permit_for_its_validity() -> None:
    exempt = fw.CertifyExemption(
        legal_ground="Nghị định 152/2020/NĐ-CP, Điều 7 khoản 4",
        valid_from=date(2026, 1, 1),
        valid_until=date(2027, 12, 31),
    )
    state = run(registered(), exempt)
    assert state.status == FileStatus.exempt
    too_long = exempt.model_copy(update={"valid_until": date(2028, 1, 2)})
    with pytest.raises(InvalidInput) as caught:
        fw.decide(registered(), too_long, TODAY, rules=RULES)
    assert caught.value.field == "valid_until"


def test_health_checks_and_residence_are_recorded_without_changing_the_status() -> None:
    state = run(
        registered(),
        ISSUE,
        fw.RecordHealthCheck(checked_on=date(2024, 2, 20), result="fit"),
        fw.RegisterResidence(
            card_number="tt 123456", valid_from=date(2024, 3, 10), valid_until=date(2026, 2, 28)
        ),
    )
    assert state.status == FileStatus.permitted
    assert state.health_check is not None
    assert state.health_check.result == "fit"
    assert state.residence is not None
    assert state.residence.card_number == "TT123456"


def test_end_of_employment_closes_the_file_to_every_command() -> None:
    end = fw.EndEmployment.model_validate({"date": "2026-02-28", "reason": "contract_end"})
    state = run(registered(), ISSUE, end)
    assert state.status == FileStatus.ended
    assert state.employment_end is not None
    with pytest.raises(IllegalTransition) as caught:
        fw.decide(state, fw.RecordHealthCheck(checked_on=TODAY, result="fit"), TODAY, rules=RULES)
    assert (caught.value.current_state, caught.value.allowed_commands) == ("ended", [])


def test_end_of_employment_before_the_engagement_is_refused_naming_date() -> None:
    end = fw.EndEmployment.model_validate({"date": "2024-02-28", "reason": "departure"})
    with pytest.raises(InvalidInput) as caught:
        fw.decide(registered(), end, TODAY, rules=RULES)
    assert caught.value.field == "date"


SAMPLES: dict[fw.CommandName, fw.FileCommand] = {
    fw.CommandName.apply_permit: fw.ApplyForPermit(),
    fw.CommandName.issue_permit: ISSUE,
    fw.CommandName.apply_extension: APPLY_EXTENSION,
    fw.CommandName.extend_permit: EXTEND,
    fw.CommandName.revoke_permit: fw.RevokePermit(reason="contract_ended_early"),
    fw.CommandName.certify_exemption: fw.CertifyExemption(
        legal_ground="Điều 7", valid_from=date(2026, 1, 1), valid_until=date(2027, 1, 1)
    ),
    fw.CommandName.end_employment: fw.EndEmployment(ended_on=TODAY, reason="departure"),
    fw.CommandName.record_health_check: fw.RecordHealthCheck(checked_on=TODAY, result="fit"),
    fw.CommandName.register_residence: fw.RegisterResidence(
        card_number="TT123456", valid_from=TODAY, valid_until=date(2027, 1, 1)
    ),
}

STATES: dict[FileStatus, tuple[fw.FileCommand, ...]] = {
    FileStatus.registered: (),
    FileStatus.permit_applied: (fw.ApplyForPermit(),),
    FileStatus.permitted: (ISSUE_RECENT,),
    FileStatus.extension_applied: (ISSUE_RECENT, APPLY_EXTENSION),
    FileStatus.extended: (ISSUE_RECENT, APPLY_EXTENSION, EXTEND),
    FileStatus.revoked: (ISSUE_RECENT, SAMPLES[fw.CommandName.revoke_permit]),
    FileStatus.exempt: (SAMPLES[fw.CommandName.certify_exemption],),
    FileStatus.ended: (SAMPLES[fw.CommandName.end_employment],),
}


@pytest.mark.parametrize(
    ("status", "command"),
    [
        (status, command)
        for status in FileStatus
        for command in fw.CommandName
        if command not in fw.ALLOWED[status]
    ],
)
def test_every_command_outside_the_table_is_refused_naming_state_and_allowed_commands(
    status: FileStatus, command: fw.CommandName
) -> None:
    state = run(registered(), *STATES[status])
    assert state.status == status
    with pytest.raises(IllegalTransition) as caught:
        fw.decide(state, SAMPLES[command], TODAY, rules=RULES)
    assert caught.value.current_state == status.value
    assert caught.value.allowed_commands == list(fw.ALLOWED[status])
    assert caught.value.command == command.value


def test_every_command_model_knows_its_name() -> None:
    assert {type(sample).name for sample in SAMPLES.values()} == set(fw.CommandName)
    assert all(isinstance(sample, BaseModel) for sample in SAMPLES.values())
