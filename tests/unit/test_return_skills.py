"""What a returned worker brings back: recorded on a returned file only, dated on or after the
return, and replaced by a later record (a withdrawn consent)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from lmis_registry.domain import workers as w
from lmis_registry.domain.errors import IllegalTransition
from lmis_shared.contracts.registry import ReturnIntention, WorkerReturnSkillsRecorded
from lmis_shared.errors import InvalidInput
from tests.unit.worker_examples import TODAY, decide_one, departed, returned, run

SKILLS = {
    "consent_to_contact": True,
    "occupation_code": "7212",
    "sector": "manufacturing",
    "years_of_experience": 4,
    "certificates": ["Chứng chỉ hàn TIG cấp 2"],
    "language": "ko",
    "language_level": "TOPIK 3",
    "intention": "work_locally",
    "recorded_on": "2025-09-20",
}


def skills(**changes: Any) -> w.RecordReturnSkills:
    return w.RecordReturnSkills.model_validate(SKILLS | changes)


def test_a_returned_worker_s_skills_are_recorded_with_the_consent() -> None:
    event = decide_one(returned(), skills())
    assert isinstance(event, WorkerReturnSkillsRecorded)
    assert (event.occupation_code, event.consent_to_contact) == ("7212", True)
    assert event.intention == ReturnIntention.work_locally


def test_a_later_record_replaces_the_earlier_one() -> None:
    state = run(returned(), skills(), skills(consent_to_contact=False, recorded_on=None))
    assert state.return_skills is not None
    assert state.return_skills.consent_to_contact is False
    assert state.return_skills.recorded_on == TODAY


def test_skills_before_the_return_are_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        w.decide(returned(), skills(recorded_on="2025-09-01"), TODAY)
    assert refused.value.field == "recorded_on"


def test_skills_of_a_worker_still_abroad_are_refused() -> None:
    with pytest.raises(IllegalTransition):
        w.decide(departed(), skills(), TODAY)


@pytest.mark.parametrize(
    ("field", "value"), [("occupation_code", "72"), ("language", "KOR"), ("intention", "retire")]
)
def test_a_malformed_field_is_refused_by_name(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as refused:
        skills(**{field: value})
    assert refused.value.errors()[0]["loc"] == (field,)
