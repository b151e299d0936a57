"""Profile updates: an event that names what changed, and only that."""

from __future__ import annotations

from datetime import date

import pytest

from lmis_registry.domain import workers as w
from lmis_shared.contracts.registry import Education, PersonChanges, WorkerProfileUpdated
from lmis_shared.errors import InvalidInput
from tests.unit.worker_examples import TODAY, command, decide_one, registered, run


def update(**fields: object) -> w.UpdateProfile:
    return w.UpdateProfile.model_validate(fields)


def test_an_update_names_the_fields_it_changed_and_carries_only_those() -> None:
    event = decide_one(registered(), update(phone="0912 345 678", education="upper_secondary"))
    assert event == WorkerProfileUpdated(
        changed=("person.phone", "education"),
        person=PersonChanges(phone="0912345678"),
        education=Education.upper_secondary,
    )


def test_fields_sent_with_their_current_value_are_not_changes() -> None:
    event = decide_one(registered(), update(full_name="Lò Thị Mai", phone="0912345678"))
    assert isinstance(event, WorkerProfileUpdated)
    assert event.changed == ("person.phone",)


def test_an_update_that_changes_nothing_records_nothing() -> None:
    assert w.decide(registered(), update(full_name="Lò  Thị Mai"), TODAY) == []


def test_moving_to_a_commune_of_another_province_changes_the_province_too() -> None:
    moved = run(registered(), update(commune_code="00004"))  # Ba Đình, Hà Nội
    assert (moved.commune_code, moved.province_code) == ("00004", "01")


def test_a_cleared_optional_field_is_named_and_becomes_empty() -> None:
    with_phone = run(registered(), update(phone="0912345678", occupation="farmer"))
    event = decide_one(with_phone, update(phone=None))
    assert isinstance(event, WorkerProfileUpdated)
    assert event.changed == ("person.phone",)
    cleared = w.AGGREGATE.fold_more(with_phone, with_phone.id, [event])
    assert (cleared.contact.phone, cleared.occupation) == (None, "farmer")


def test_a_corrected_name_and_citizen_id_are_folded_into_the_person() -> None:
    state = run(registered(), update(full_name="Lò Thị Mây", citizen_id="012198009999"))
    assert (state.person.full_name, state.person.citizen_id) == ("Lò Thị Mây", "012198009999")
    assert state.person.date_of_birth == date(1998, 4, 12)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"citizen_id": "012098001234"}, "citizen_id"),  # says male; she is female
        ({"date_of_birth": "1999-04-12"}, "date_of_birth"),  # the ID says 1998
        ({"sex": "male"}, "sex"),
        ({"date_of_birth": "2005-01-01", "citizen_id": "012305001234"}, "date_of_birth"),  # 16
        ({"date_of_birth": "2027-01-01"}, "date_of_birth"),
    ],
)
def test_an_identity_that_no_longer_agrees_is_refused(fields: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        w.decide(registered(), update(**fields), TODAY)
    assert caught.value.field == field


def test_a_consistent_identity_correction_is_accepted() -> None:
    state = run(registered(), update(date_of_birth="1997-04-12", citizen_id="012197001234"))
    assert state.person.date_of_birth == date(1997, 4, 12)


def test_the_example_phone_body_is_valid() -> None:
    assert command(w.UpdateProfile).phone == "0912345678"
