"""Registering an outbound worker file: the rules, on plain values."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lmis_registry.domain import workers
from lmis_shared.contracts.registry import Sex, WorkerRegistered
from lmis_shared.errors import InvalidInput
from lmis_shared.reference import citizen_id
from tests.unit.refusals import refusal_messages, refused_fields

TODAY = date(2026, 11, 23)


def command(**changes: Any) -> workers.RegisterWorker:
    body: dict[str, Any] = {
        "full_name": "  Lò  Thị Mai ",
        "date_of_birth": "1998-04-12",
        "sex": "female",
        "ethnicity": "Thái",
        "citizen_id": "012198001234",
        "commune_code": "03637",
        "priority_groups": ["ethnic_minority", "poor_household", "ethnic_minority"],
    }
    return workers.RegisterWorker.model_validate(body | changes)


def test_registration_records_the_worker_in_the_commune_and_its_province() -> None:
    [event] = workers.decide(None, command(), TODAY)
    assert isinstance(event, WorkerRegistered)
    assert event.commune_code == "03637"
    assert event.province_code == "12"
    assert event.ethnicity == "03"
    assert event.registered_on == TODAY
    assert event.priority_groups == ("ethnic_minority", "poor_household")


def test_names_are_kept_as_typed_in_nfc_with_spaces_folded() -> None:
    decomposed = "Lo\u0300 Thi\u0323 Mai"  # "Lò Thị Mai" typed with combining marks
    [event] = workers.decide(None, command(full_name=decomposed), TODAY)
    assert isinstance(event, WorkerRegistered)
    assert event.person.full_name == "Lò Thị Mai"
    [event] = workers.decide(None, command(), TODAY)
    assert isinstance(event, WorkerRegistered)
    assert event.person.full_name == "Lò Thị Mai"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"citizen_id": "12345"}, "citizen_id"),
        ({"citizen_id": "999198001234"}, "citizen_id"),  # 999 is no province
        ({"citizen_id": "012098001234"}, "citizen_id"),  # says male, the worker is female
        ({"citizen_id": "012197001234"}, "citizen_id"),  # says born 1997, not 1998
        ({"commune_code": "99999"}, "commune_code"),
        ({"ethnicity": "Klingon"}, "ethnicity"),
        ({"sex": "other"}, "sex"),
        ({"full_name": "12345"}, "full_name"),
        ({"priority_groups": ["rich"]}, "priority_groups.0"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
def test_invalid_fields_are_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    assert field in refused_fields(command, **changes)


def test_a_refused_citizen_id_is_not_echoed_in_the_message() -> None:
    assert "999198001234" not in refusal_messages(command, citizen_id="999198001234")


def test_a_worker_under_eighteen_cannot_be_registered() -> None:
    with pytest.raises(InvalidInput) as caught:
        workers.decide(None, command(date_of_birth="2010-01-01", citizen_id="012310001234"), TODAY)
    assert caught.value.field == "date_of_birth"


def test_registration_in_the_future_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        workers.decide(None, command(registered_on="2026-12-01"), TODAY)
    assert caught.value.field == "registered_on"


def test_historical_registrations_are_accepted() -> None:
    [event] = workers.decide(None, command(registered_on="2021-03-01"), TODAY)
    assert isinstance(event, WorkerRegistered)
    assert event.registered_on == date(2021, 3, 1)


def test_folding_the_registration_gives_a_registered_file_at_version_one() -> None:
    stream_id = uuid4()
    events = workers.decide(None, command(), TODAY)
    state = workers.AGGREGATE.fold(stream_id, enumerate(events, start=1))
    assert state is not None
    assert state.status == workers.WorkerStatus.registered
    assert state.version == 1
    assert state.id == stream_id


@given(
    st.dates(min_value=date(1, 1, 1)),
    st.sampled_from(["male", "female", *Sex]),
    st.text("0123456789", min_size=3, max_size=3),
)
@example(date(1998, 4, 12), "female", "198")
@example(date(2004, 1, 1), Sex.male, "204")
@example(date(1899, 12, 31), "male", "099")
@example(date(2400, 1, 1), "female", "100")
def test_digits_4_to_6_of_a_citizen_id_follow_the_birth_year_and_sex(
    born: date, sex: str, digits: str
) -> None:
    """`check_matches` (its digits looked up by year and sex) keeps Circular 59's rule as
    written out: digit 4 the century and sex, digits 5-6 the year's last two."""
    number = f"012{digits}001234"
    century = 2 * ((born.year - 1900) // 100) + (sex == "female")
    expected = number[3] == str(century) and number[4:6] == f"{born.year % 100:02d}"
    try:
        citizen_id.check_matches(number, born, sex)
    except citizen_id.CitizenIdProblem:
        assert not expected
    else:
        assert expected
