"""Following a worker file up on plain values: the identity check at registration, the commune
police's residence check, the family visits of a worker who stays abroad illegally."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lmis_registry.adapters.population_local import LocalPopulationRegister, write_citizens
from lmis_registry.domain import workers as w
from lmis_registry.domain.errors import IllegalTransition
from lmis_shared.contracts.registry_follow_up import (
    IdentityCheckOutcome,
    IdentitySource,
    WorkerIdentityChecked,
)
from lmis_shared.errors import InvalidInput
from tests.unit.worker_examples import (
    TODAY,
    WORKER_ID,
    absconded,
    command,
    departed,
    overstaying,
    registered,
    registration,
    run,
)

AT = datetime(2021, 1, 4, 2, 0, tzinfo=UTC)
MAI = w.Identity("012198001234", "Lò Thị Mai", date(1998, 4, 12), "03637")
LOCAL = IdentitySource.local_register


def registered_with(answer: w.IdentityAnswer) -> w.WorkerFile:
    events = w.decide(None, registration(), TODAY, identity=(answer, AT))
    return w.AGGREGATE.fold_more(None, WORKER_ID, events)


# --- identity at registration ---------------------------------------------------------------


def test_a_registration_records_the_registers_answer_by_what_and_when() -> None:
    answer = w.IdentityAnswer(IdentityCheckOutcome.verified, LOCAL)
    events = w.decide(None, registration(), TODAY, identity=(answer, AT))

    assert events[1] == WorkerIdentityChecked(outcome="verified", source=LOCAL, checked_at=AT)
    assert registered_with(answer).follow_up.identity == w.IdentityStatus.verified


def test_an_unavailable_register_still_registers_the_file_unverified() -> None:
    state = registered_with(w.IdentityAnswer(IdentityCheckOutcome.unavailable, LOCAL))

    assert state.status == w.WorkerStatus.registered
    assert state.follow_up.identity == w.IdentityStatus.unverified
    assert state.follow_up.identity_check is not None


def test_without_a_register_nothing_is_recorded_and_the_file_is_unverified() -> None:
    assert len(w.decide(None, registration(), TODAY)) == 1
    assert registered().follow_up.identity == w.IdentityStatus.unverified


def test_names_match_whatever_the_diacritics_and_the_mismatch_names_the_fields() -> None:
    typed_plain = w.Identity(MAI.citizen_id, "lo thi  mai", MAI.date_of_birth, "03637")
    assert w.compare(typed_plain, MAI, LOCAL).outcome == IdentityCheckOutcome.verified

    moved = w.Identity(MAI.citizen_id, MAI.full_name, date(1998, 4, 13), "03640")
    answer = w.compare(moved, MAI, LOCAL)
    assert answer.outcome == IdentityCheckOutcome.mismatch
    assert answer.mismatched == ("date_of_birth", "permanent_residence")
    assert w.compare(MAI, None, LOCAL).outcome == IdentityCheckOutcome.not_found


def test_an_identity_never_shows_its_values() -> None:
    assert MAI.citizen_id not in repr(MAI)
    assert "Mai" not in repr(MAI)


async def test_the_local_register_reads_its_file_again_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    register = LocalPopulationRegister(files=[path])
    assert (await register.verify(MAI)).outcome == IdentityCheckOutcome.not_found

    write_citizens(path, [MAI])
    assert (await register.verify(MAI)).outcome == IdentityCheckOutcome.verified


def test_asking_again_records_the_new_answer() -> None:
    state = registered_with(w.IdentityAnswer(IdentityCheckOutcome.unavailable, LOCAL))
    answer = w.IdentityAnswer(IdentityCheckOutcome.verified, LOCAL)

    events = w.decide(state, command(w.CheckIdentity), TODAY, identity=(answer, AT))

    rechecked = w.AGGREGATE.fold_more(state, state.id, events)
    assert rechecked.follow_up.identity == w.IdentityStatus.verified


def test_a_corrected_identity_is_unverified_again_but_a_new_phone_is_not() -> None:
    verified = registered_with(w.IdentityAnswer(IdentityCheckOutcome.verified, LOCAL))

    phoned = run(verified, command(w.UpdateProfile, phone="0912 000 111"))
    renamed = run(verified, command(w.UpdateProfile, full_name="Lò Thị Mải"))

    assert phoned.follow_up.identity == w.IdentityStatus.verified
    assert renamed.follow_up.identity == w.IdentityStatus.unverified


def test_asking_again_needs_the_registers_answer() -> None:
    with pytest.raises(InvalidInput):
        w.decide(registered(), command(w.CheckIdentity), TODAY)


# --- the commune police's residence check ---------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("confirmed", w.IdentityStatus.verified),
        ("not_resident", w.IdentityStatus.mismatch),
        ("moved_away", w.IdentityStatus.mismatch),
        ("not_determined", w.IdentityStatus.unverified),
    ],
)
def test_a_residence_check_decides_the_identity_status(
    outcome: str, status: w.IdentityStatus
) -> None:
    state = run(registered(), command(w.RecordResidenceCheck, outcome=outcome))
    assert state.follow_up.identity == status
    assert state.follow_up.residence_check is not None


def test_a_residence_check_before_the_registration_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        run(registered(), command(w.RecordResidenceCheck, checked_on="2020-12-31"))
    assert refused.value.field == "checked_on"


def test_a_residence_check_is_not_recorded_on_a_closed_file() -> None:
    returned = run(departed(), command(w.RecordReturn))
    with pytest.raises(IllegalTransition):
        run(returned, command(w.RecordResidenceCheck))


# --- family visits ----------------------------------------------------------------------------


def test_the_family_of_an_overstayer_or_absconder_is_visited() -> None:
    for stage in (overstaying, absconded):
        [visit] = run(stage(), command(w.RecordFamilyVisit)).follow_up.family_visits
        assert (visit.visited_on, visit.visited_by) == (date(2024, 10, 2), "commune_officer")


def test_no_family_visit_is_recorded_for_a_worker_abroad_legally() -> None:
    with pytest.raises(IllegalTransition) as refused:
        run(departed(), command(w.RecordFamilyVisit))
    assert refused.value.current_state == "departed"


@pytest.mark.parametrize(
    "visited_on",
    [
        "2024-09-14",  # before the overstay began (2024-09-15)
        "2026-11-24",  # tomorrow
    ],
)
def test_a_visit_out_of_order_or_in_the_future_is_refused(visited_on: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        run(overstaying(), command(w.RecordFamilyVisit, visited_on=visited_on))
    assert refused.value.field == "visited_on"


def test_a_visit_before_the_last_one_is_refused() -> None:
    visited = run(overstaying(), command(w.RecordFamilyVisit, visited_on="2025-01-10"))
    with pytest.raises(InvalidInput):
        run(visited, command(w.RecordFamilyVisit, visited_on="2025-01-09"))


def test_the_visitor_is_a_role_not_a_name() -> None:
    with pytest.raises(ValueError, match="visited_by"):
        command(w.RecordFamilyVisit, visited_by="Nguyễn Văn Cán bộ")
