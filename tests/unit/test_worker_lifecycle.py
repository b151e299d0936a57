"""The worker file's lifecycle on plain values: the happy path, the side exits, and every
command refused in a state that does not allow it (with the state and the allowed commands)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from lmis_registry.domain import workers as w
from lmis_registry.domain.errors import IllegalTransition
from lmis_shared.contracts.registry import (
    Sector,
    WorkerContractExtended,
    WorkerContractSigned,
    WorkerDeparted,
    WorkerEnrolledInTraining,
    WorkerReturned,
    WorkerTrainingResultRecorded,
)
from tests.unit.worker_examples import (
    TODAY,
    absconded,
    command,
    contracted,
    decide_one,
    departed,
    in_training,
    overstaying,
    registered,
    returned,
    run,
    withdrawn,
)

Stage = Callable[[], w.WorkerFile]
S = w.WorkerStatus


def test_a_file_goes_from_registration_to_return_one_event_per_step() -> None:
    state = registered()
    steps: list[tuple[w.AnyWorkerCommand, type, S]] = [
        (command(w.EnrolTraining), WorkerEnrolledInTraining, S.in_training),
        (command(w.RecordTrainingResult), WorkerTrainingResultRecorded, S.in_training),
        (command(w.SignContract), WorkerContractSigned, S.contracted),
        (command(w.RecordDeparture), WorkerDeparted, S.departed),
        (command(w.ExtendContract), WorkerContractExtended, S.departed),
        (command(w.RecordReturn), WorkerReturned, S.returned),
    ]
    for version, (each, event_type, status) in enumerate(steps, start=2):
        event = decide_one(state, each)
        assert isinstance(event, event_type)
        state = w.AGGREGATE.fold_more(state, state.id, [event])
        assert (state.status, state.version) == (status, version)
    assert state.contract is not None
    assert state.contract.end_date == date(2025, 8, 31)
    assert state.abroad is not None
    assert state.abroad.return_date == date(2025, 9, 3)
    assert not state.is_open


def test_the_training_result_lands_on_its_enrolment() -> None:
    [training] = run(in_training(), command(w.RecordTrainingResult)).trainings
    assert (training.passed, training.exam, training.score) == (True, "eps_topik", 142)
    assert training.completed_on == date(2021, 6, 30)


def test_a_contract_ends_after_its_duration_from_the_start_date() -> None:
    assert contracted().contract == w.Contract(
        destination_country="KR",
        programme="korea_eps",
        sending_organisation=command(w.SignContract).sending_organisation.to_contract(),
        employer="Hanil Manufacturing Co.",
        sector=Sector.manufacturing,
        start_date=date(2021, 9, 1),
        duration_months=36,
        end_date=date(2024, 9, 1),
        monthly_salary_vnd=42_000_000,
        fees_vnd={"service_fee": 650_000, "deposit": 100_000_000},
        signed_on=date(2021, 7, 15),
    )


def test_a_worker_may_sign_without_training_and_train_after_signing() -> None:
    signed = run(registered(), command(w.SignContract))
    assert signed.status == S.contracted
    oriented = run(signed, command(w.EnrolTraining, kind="orientation", language=None))
    assert oriented.status == S.contracted


def test_an_overstaying_or_absconded_worker_can_still_come_back() -> None:
    assert run(overstaying(), command(w.RecordReturn)).status == S.returned
    assert run(absconded(), command(w.RecordReturn)).status == S.returned


def test_an_absconded_worker_whose_contract_ended_overstays() -> None:
    assert run(absconded(), command(w.ReportOverstaying)).status == S.overstaying


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        (
            registered,
            [
                "update-profile",
                "enrol-training",
                "record-residence-check",
                "check-identity",
                "sign-contract",
                "withdraw",
            ],
        ),
        (
            in_training,
            [
                "update-profile",
                "enrol-training",
                "record-training-result",
                "record-residence-check",
                "check-identity",
                "sign-contract",
                "withdraw",
            ],
        ),
        (
            contracted,
            [
                "update-profile",
                "enrol-training",
                "record-residence-check",
                "check-identity",
                "record-departure",
                "withdraw",
            ],
        ),
        (
            departed,
            [
                "update-profile",
                "extend-contract",
                "record-return",
                "report-absconded",
                "report-overstaying",
                "record-residence-check",
                "check-identity",
            ],
        ),
        (
            absconded,
            [
                "update-profile",
                "record-return",
                "report-overstaying",
                "record-residence-check",
                "check-identity",
                "record-family-visit",
            ],
        ),
        (
            overstaying,
            [
                "update-profile",
                "record-return",
                "record-residence-check",
                "check-identity",
                "record-family-visit",
            ],
        ),
        (returned, ["record-return-skills"]),
        (withdrawn, []),
    ],
)
def test_each_state_answers_the_commands_it_allows(stage: Stage, expected: list[str]) -> None:
    assert w.allowed_commands(stage()) == expected


@pytest.mark.parametrize(
    ("stage", "refused"),
    [
        pytest.param(registered, command(w.RecordDeparture), id="departure-before-a-contract"),
        pytest.param(in_training, command(w.RecordDeparture), id="departure-while-training"),
        pytest.param(contracted, command(w.RecordReturn), id="return-of-a-worker-never-gone"),
        pytest.param(registered, command(w.ExtendContract), id="extension-without-contract"),
        pytest.param(contracted, command(w.ReportAbsconded), id="absconded-before-departure"),
        pytest.param(contracted, command(w.ReportOverstaying), id="overstaying-before-departure"),
        pytest.param(departed, command(w.Withdraw), id="withdraw-after-departure"),
        pytest.param(departed, command(w.SignContract), id="second-contract-abroad"),
        pytest.param(contracted, command(w.SignContract), id="second-contract-at-home"),
        pytest.param(registered, command(w.RecordTrainingResult), id="result-without-enrolment"),
        pytest.param(departed, command(w.EnrolTraining), id="training-abroad"),
        pytest.param(overstaying, command(w.ReportAbsconded), id="absconded-after-overstaying"),
        pytest.param(returned, command(w.UpdateProfile), id="profile-of-a-closed-file"),
        pytest.param(returned, command(w.RecordDeparture), id="departure-after-return"),
        pytest.param(withdrawn, command(w.SignContract), id="contract-after-withdrawal"),
    ],
)
def test_a_command_the_state_does_not_allow_is_refused_naming_state_and_choices(
    stage: Stage, refused: w.AnyWorkerCommand
) -> None:
    state = stage()
    with pytest.raises(IllegalTransition) as caught:
        w.decide(state, refused, TODAY)
    assert caught.value.current_state == state.status.value
    assert caught.value.allowed_commands == w.allowed_commands(state)
    assert caught.value.command == refused.command_name


def test_every_status_has_a_row_in_the_table_and_closed_ones_allow_only_follow_ups() -> None:
    assert set(w.TRANSITIONS) == set(S)
    assert w.TRANSITIONS[S.withdrawn] == ()
    assert w.TRANSITIONS[S.returned] == ("record-return-skills",)
