"""A commune's count of jobs created through programmes other than loans: the report and its
corrections (the day from a settable clock), the event's wire format (golden file), and how
the reporting rules add it to `jobs_created` and `jobs_created_at_home`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from pydantic import ValidationError

from lmis_registry.domain import job_reports
from lmis_registry.domain.errors import InvalidField
from lmis_registry.domain.job_reports import ReportJobCreation
from lmis_reporting.domain.indicators import increments
from lmis_shared.clock import FixedClock
from lmis_shared.contracts import registry_jobs as j
from lmis_shared.events import catalogue
from tests.unit.golden import assert_matches_golden_file

MUONG_KIM = "03637"
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
EXAMPLE = j.JobCreationReported(
    commune_code=MUONG_KIM,
    province_code="12",
    period=date(2026, 3, 1),
    programme=j.JobCreationProgramme.job_fair,
    jobs=9,
    jobs_change=-3,
    reported_on=date(2026, 4, 8),
    reference="15/BC-UBND",
)


def command(**changes: object) -> ReportJobCreation:
    body = {"commune_code": MUONG_KIM, "period": "2026-03", "programme": "job_fair", "jobs": 12}
    return ReportJobCreation.model_validate(body | changes)


def test_the_event_matches_its_golden_file_and_is_the_module_s_only_event() -> None:
    assert_matches_golden_file(EXAMPLE)
    mine = {name for name, cls in catalogue().items() if cls.__module__ == j.__name__}
    assert mine == {EXAMPLE.event_type}


def test_the_first_report_counts_whole_and_a_correction_its_change() -> None:
    today = FixedClock(NOW).today()
    [first] = job_reports.decide(None, command(), today)
    state = job_reports.evolve(None, first, uuid4())
    [correction] = job_reports.decide(state, command(jobs=9), today)
    assert isinstance(first, j.JobCreationReported)
    assert isinstance(correction, j.JobCreationReported)
    assert (first.jobs, first.jobs_change, first.province_code) == (12, 12, "12")
    assert (correction.jobs, correction.jobs_change) == (9, -3)
    after = job_reports.evolve(state, correction, state.id)
    assert (after.jobs, after.corrections) == (9, 1)
    assert job_reports.decide(after, command(jobs=9), today) == []


def test_a_month_still_to_come_or_a_report_before_its_month_is_refused() -> None:
    on_31_march = date(2026, 3, 31)
    with pytest.raises(InvalidField) as future:
        job_reports.decide(None, command(period="2026-04"), on_31_march)
    with pytest.raises(InvalidField) as early:
        job_reports.decide(None, command(reported_on="2026-02-27"), on_31_march)
    assert (future.value.field, early.value.field) == ("period", "reported_on")
    assert job_reports.decide(None, command(), on_31_march)  # the month itself is fine


@pytest.mark.parametrize(
    "changes",
    [
        {"programme": "job_creation_loan"},  # counted from the loans
        {"commune_code": "99999"},
        {"period": "2026-13"},
        {"jobs": -1},
    ],
)
def test_fields_are_checked_alone(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        command(**changes)


def test_the_same_commune_month_and_programme_is_one_stream() -> None:
    march, fair = date(2026, 3, 1), j.JobCreationProgramme.job_fair
    same = job_reports.report_stream_id(MUONG_KIM, march, fair)
    assert same == job_reports.report_stream_id(MUONG_KIM, march, fair)
    assert same != job_reports.report_stream_id(MUONG_KIM, march, j.JobCreationProgramme.other)


def test_a_report_adds_its_change_to_jobs_created_and_at_home_by_programme() -> None:
    rows = {(i.indicator, i.dimension, i.dim_value): i for i in increments(EXAMPLE)}
    assert {key: i.delta for key, i in rows.items()} == {
        ("jobs_created", "", ""): -3,
        ("jobs_created_at_home", "", ""): -3,
        ("jobs_created_at_home", "programme", "job_fair"): -3,
    }
    assert {(i.unit_code, i.period) for i in rows.values()} == {(MUONG_KIM, date(2026, 3, 1))}
