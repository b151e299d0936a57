"""Dates on a worker file: the past is normal, the future is refused where a fact cannot have
happened yet, and a file's facts stay in order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from lmis_registry.domain import workers as w
from lmis_shared.contracts.registry import WorkerWithdrawn
from lmis_shared.errors import InvalidInput
from tests.unit.worker_examples import (
    TODAY,
    absconded,
    command,
    contracted,
    decide_one,
    departed,
    in_training,
    registered,
    run,
)

Stage = Callable[[], w.WorkerFile]
TOMORROW = "2026-11-24"


def assert_refused_naming(field: str, state: w.WorkerFile, refused: w.AnyWorkerCommand) -> None:
    with pytest.raises(InvalidInput) as caught:
        w.decide(state, refused, TODAY)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("stage", "refused", "field"),
    [
        (registered, command(w.EnrolTraining, enrolled_on=TOMORROW), "enrolled_on"),
        (
            in_training,
            command(w.RecordTrainingResult, completed_on=TOMORROW),
            "completed_on",
        ),
        (registered, command(w.SignContract, signed_on=TOMORROW), "signed_on"),
        (contracted, command(w.RecordDeparture, departure_date=TOMORROW), "departure_date"),
        (departed, command(w.RecordReturn, return_date=TOMORROW), "return_date"),
        (departed, command(w.ReportAbsconded, date=TOMORROW), "date"),
        (departed, command(w.ReportOverstaying, date=TOMORROW), "date"),
        (registered, command(w.Withdraw, withdrawn_on=TOMORROW), "withdrawn_on"),
    ],
)
def test_a_fact_dated_in_the_future_is_refused(
    stage: Stage, refused: w.AnyWorkerCommand, field: str
) -> None:
    assert_refused_naming(field, stage(), refused)


@pytest.mark.parametrize(
    ("stage", "refused", "field"),
    [
        (
            in_training,
            command(w.RecordTrainingResult, completed_on="2021-01-31"),
            "completed_on",
        ),
        (
            contracted,
            command(w.RecordDeparture, departure_date="2021-07-14"),
            "departure_date",
        ),
        (
            contracted,
            command(w.RecordDeparture, departure_date="2024-09-01"),
            "departure_date",
        ),
        (departed, command(w.RecordReturn, return_date="2021-08-27"), "return_date"),
        (absconded, command(w.RecordReturn, return_date="2022-05-19"), "return_date"),
        (departed, command(w.ReportAbsconded, date="2021-08-27"), "date"),
        (departed, command(w.ReportAbsconded, date="2024-09-02"), "date"),  # after the end
        (departed, command(w.ReportOverstaying, date="2024-09-01"), "date"),  # not yet over
        (departed, command(w.ExtendContract, new_end_date="2024-09-01"), "new_end_date"),
    ],
)
def test_facts_out_of_order_are_refused_naming_the_field(
    stage: Stage, refused: w.AnyWorkerCommand, field: str
) -> None:
    assert_refused_naming(field, stage(), refused)


def test_a_historical_file_is_recorded_with_its_own_dates() -> None:
    state = run(
        registered(),
        command(w.SignContract, signed_on="2019-01-10", start_date="2019-03-01"),
        command(w.RecordDeparture, departure_date="2019-02-20"),
    )
    assert state.abroad is not None
    assert state.abroad.departure_date == date(2019, 2, 20)


def test_a_contract_may_start_in_the_future_and_be_extended_beyond_today() -> None:
    state = run(registered(), command(w.SignContract, signed_on=None, start_date="2027-01-01"))
    assert state.contract is not None
    assert state.contract.signed_on == TODAY
    assert state.contract.end_date == date(2030, 1, 1)


def test_dates_left_out_are_today() -> None:
    event = decide_one(registered(), command(w.Withdraw, withdrawn_on=None))
    assert isinstance(event, WorkerWithdrawn)
    assert event.withdrawn_on == TODAY


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2021, 9, 1), 36, date(2024, 9, 1)),
        (date(2021, 1, 31), 1, date(2021, 2, 28)),  # February has no 31st
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2024, 12, 15), 13, date(2026, 1, 15)),
    ],
)
def test_the_expected_end_adds_whole_months(start: date, months: int, end: date) -> None:
    assert w.expected_end(start, months) == end
