"""A commune's report of jobs created through one programme in one month (the Đồng Tháp
plan's "giải quyết việc làm" beyond job-creation loans and departures; the contract module
`lmis_shared.contracts.registry_jobs` says what the programmes are).

One stream per commune, month and programme (`report_stream_id`): reporting again is a
correction, whose event carries the change so the indicator adds it. Saying again what the
stream already says records nothing. Pure: `today` comes from the clock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from lmis_registry.domain.errors import InvalidField
from lmis_shared.commands import Aggregate, VersionedState
from lmis_shared.contracts.registry_jobs import (
    STREAM_TYPE,
    JobCreationProgramme,
    JobCreationReported,
)
from lmis_shared.dates import happened
from lmis_shared.errors import NotFound
from lmis_shared.events import EventPayload
from lmis_shared.reference.units import is_commune, province_of

_STREAMS = UUID("5b0e7c1a-93d4-4f2e-a6b1-2c8d0f9e4a17")
MAX_JOBS = 100_000
"""More than any commune's month; a typo with a digit too many is refused."""


class ReportJobCreation(BaseModel):
    """`POST /v1/job-creation-reports`: the month's count for one commune and programme."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "commune_code": "03637",
                    "period": "2026-06",
                    "programme": "job_fair",
                    "jobs": 12,
                    "reference": "15/BC-UBND",
                }
            ]
        },
    )
    command_name: ClassVar[str] = "report"

    commune_code: str = Field(pattern=r"^\d{5}$")
    period: str = Field(
        # year 0000 is no date (it was a 500)
        pattern=r"^[1-9]\d{3}-(0[1-9]|1[0-2])$",
        description="the month (YYYY-MM) the jobs were made in",
    )
    programme: JobCreationProgramme = Field(
        description="job-creation loans are counted from the loans, departures from the files"
    )
    jobs: int = Field(ge=0, le=MAX_JOBS, description="persons given a job, as the plan counts")
    reported_on: date | None = Field(None, description="defaults to today")
    reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = None

    @field_validator("commune_code")
    @classmethod
    def _known_commune(cls, value: str) -> str:
        if not is_commune(value):
            raise ValueError("is not a commune of the current administrative units")
        return value

    def first_day(self) -> date:
        year, month = self.period.split("-")
        return date(int(year), int(month), 1)


class JobCreationReportNotFound(NotFound):
    def __init__(self, report_id: UUID) -> None:
        super().__init__("job creation report", str(report_id))


@dataclass(frozen=True)
class JobCreationReport(VersionedState):
    id: UUID
    version: int
    commune_code: str
    province_code: str
    period: date
    programme: JobCreationProgramme
    jobs: int
    reported_on: date
    reference: str | None
    corrections: int = 0


def report_stream_id(commune_code: str, period: date, programme: JobCreationProgramme) -> UUID:
    """The stream of one commune's month and programme (a report again is its correction)."""
    return uuid.uuid5(_STREAMS, f"{commune_code}/{period.isoformat()}/{programme.value}")


def decide(
    state: JobCreationReport | None, command: ReportJobCreation, today: date
) -> list[EventPayload]:
    period = command.first_day()
    if period > today:
        raise InvalidField("period", "must not be a month still to come")
    reported_on = happened("reported_on", command.reported_on, today)
    if reported_on < period:
        raise InvalidField("reported_on", "must not be before the month reported on")
    before = 0 if state is None else state.jobs
    if state is not None and command.jobs == before and command.reference == state.reference:
        return []  # the same report again: nothing new
    province = province_of(command.commune_code)
    assert province is not None, "a commune of the current units has a province"
    return [
        JobCreationReported(
            commune_code=command.commune_code,
            province_code=province,
            period=period,
            programme=command.programme,
            jobs=command.jobs,
            jobs_change=command.jobs - before,
            reported_on=reported_on,
            reference=command.reference,
        )
    ]


def evolve(
    state: JobCreationReport | None, event: EventPayload, stream_id: UUID
) -> JobCreationReport:
    if not isinstance(event, JobCreationReported):
        raise ValueError(f"{event.event_type} is no event of a job creation report")
    first = state is None
    if state is None:
        where = (event.commune_code, event.province_code, event.period, event.programme)
        state = JobCreationReport(stream_id, 0, *where, 0, event.reported_on, None)
    return replace(
        state,
        jobs=event.jobs,
        reported_on=event.reported_on,
        reference=event.reference,
        corrections=state.corrections + (0 if first else 1),  # a report again corrects it
    )


AGGREGATE = Aggregate(STREAM_TYPE, evolve, JobCreationReportNotFound)
