"""Jobs created at home through programmes other than job-creation loans (registry service,
stream type `job_creation_report`).

The Đồng Tháp district plan of 2020 ("giải quyết việc làm cho 2.600 lao động") counts every
person given a job: through the social-policy bank's job-creation loans (counted from the
loans themselves), departures abroad (from the worker files), and the programmes the plan
names besides them, whose placements the platform does not follow one by one: job fairs
(phiên giao dịch việc làm), placements by the employment service centre, labour supplied to
enterprises in or outside the province, vocational training tied to a job, household
economy. A commune reports those as counts, monthly (the plan's report "trước ngày 10 hàng
tháng"), one stream per commune, month and programme: a later report for the same three is a
correction, and its event says by how much the count changed, so an indicator adds the
change and a replay gives the same total. Counts only, no personal data.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from lmis_shared.events import EventPayload, event

STREAM_TYPE = "job_creation_report"


class JobCreationProgramme(StrEnum):
    """The plan's programmes other than job-creation loans (counted from the loans):

    job_fair             hired at a job fair (phiên giao dịch việc làm)
    employment_service   placed by the employment service centre (giới thiệu việc làm)
    labour_supply        supplied to an enterprise in or outside the province (cung ứng lao động)
    vocational_training  trained and employed (dạy nghề gắn với giải quyết việc làm)
    household_economy    self-employed in the household economy (phát triển kinh tế hộ gia đình)
    """

    job_fair = "job_fair"
    employment_service = "employment_service"
    labour_supply = "labour_supply"
    vocational_training = "vocational_training"
    household_economy = "household_economy"
    other = "other"


@event("lmis.registry.job_creation_report.reported.v1", stream_type=STREAM_TYPE)
class JobCreationReported(EventPayload):
    """A commune's count of jobs created through one programme in one month (or its
    correction): `jobs` is the count as reported now, `jobs_change` what it adds to the
    count reported before (the whole count on the first report)."""

    commune_code: str
    province_code: str
    period: date
    """The first day of the month the jobs were created in."""
    programme: JobCreationProgramme
    jobs: int
    jobs_change: int
    reported_on: date
    reference: str | None = None
    """The commune's report number, as written on its paper report."""
