"""What a returned worker brings back, for the province to use at home (the Lai Châu plan:
"sử dụng hiệu quả nguồn nhân lực ... trở về tham gia thị trường lao động trong nước").

Recorded after the return, as a follow-up command on the closed file, never inside
`record-return`: the return is a fact the border or the sending organisation reports, the
skills are what the worker tells the commune afterwards, and only with the worker's consent to
be contacted about local jobs. A later record replaces an earlier one, so a worker who
withdraws the consent is recorded again with `consent_to_contact: false`: consumers that match
returnees with employers' demands (reporting) then drop the worker from their pool.

Occupations are coded in the Vietnamese occupation classification (VSCO, Decision
34/2020/QĐ-TTg), level 4 (4 digits), which follows ISCO-08: a match with a demand for a
foreign worker can then be explained by its code ("same occupation 7212", "same group 72").
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import Field, field_validator

from lmis_registry.domain.errors import InvalidField
from lmis_registry.domain.workers import lifecycle
from lmis_registry.domain.workers.fields import Wording, WorkerCommand, example
from lmis_registry.domain.workers.state import WorkerFile
from lmis_shared.contracts.registry import ReturnIntention, Sector, WorkerReturnSkillsRecorded
from lmis_shared.dates import happened, not_before
from lmis_shared.records import record_from
from lmis_shared.reference.occupations import OccupationCode


class RecordReturnSkills(WorkerCommand):
    """What the returned worker brings back, and whether the worker may be contacted."""

    command_name = lifecycle.RECORD_RETURN_SKILLS
    model_config = example(
        {
            "consent_to_contact": True,
            "occupation_code": "7212",
            "sector": "manufacturing",
            "years_of_experience": 5,
            "certificates": ["Chứng chỉ hàn TIG cấp 2 (Hàn Quốc)"],
            "language": "ko",
            "language_level": "TOPIK 3",
            "intention": "work_locally",
            "recorded_on": "2029-09-20",
        }
    )

    consent_to_contact: bool = Field(
        description="the worker agrees to be contacted about local jobs"
    )
    occupation_code: OccupationCode = Field(description="occupation abroad (VSCO level 4)")
    sector: Sector = Field(description="the sector of the work abroad")
    years_of_experience: int = Field(ge=0, le=50, description="in that occupation")
    certificates: tuple[Wording, ...] = Field((), max_length=20)
    language: str | None = Field(None, description="ISO 639-1 code of the language used abroad")
    language_level: str | None = Field(
        None, min_length=1, max_length=40, description='e.g. "TOPIK 3", "JLPT N3", "B1"'
    )
    intention: ReturnIntention
    recorded_on: dt.date | None = Field(None, description="defaults to today")

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z]{2}", value):
            raise ValueError("must be an ISO 639-1 code such as 'ko' or 'ja'")
        return value


def record_return_skills(
    state: WorkerFile, command: RecordReturnSkills, today: dt.date
) -> WorkerReturnSkillsRecorded:
    """The record, dated on or after the return; the years abroad need no check against the
    contract (experience may predate it)."""
    recorded = happened("recorded_on", command.recorded_on, today)
    returned = state.abroad.return_date if state.abroad is not None else None
    if returned is None:  # the lifecycle lets this run on a returned file only
        raise InvalidField("recorded_on", "needs a recorded return")
    not_before("recorded_on", recorded, returned, "return")
    return record_from(WorkerReturnSkillsRecorded, command, recorded_on=recorded)
