"""Decree 70/2023: a demand for foreign workers is approved only once its position was offered
to Vietnamese workers at least 15 days (a setting) before the demand was explained; hires of
Vietnamese workers lower what can be approved."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from lmis_permits.domain import demands, vietnamese_first
from lmis_permits.domain.rules import PermitRules
from lmis_shared.contracts.permits import DemandVietnameseHired
from lmis_shared.errors import InvalidInput
from tests.unit.test_permits_employers import TODAY, approve, decided, submitted_demand

RETURNEE = uuid4()


def test_an_announcement_15_days_before_the_explanation_allows_the_approval() -> None:
    state = decided(submitted_demand(announced="2026-10-18"), approve())
    assert state.status == demands.DemandStatus.approved


@pytest.mark.parametrize(
    ("announced", "field"),
    [(None, "announcement"), ("2026-10-19", "announcement.announced_on")],
)
def test_without_the_window_run_the_approval_is_refused_naming_the_field(
    announced: str | None, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        demands.decide(submitted_demand(announced=announced), approve(), TODAY)
    assert refused.value.field == field


def test_the_window_is_a_setting_and_older_demands_are_exempt() -> None:
    late = submitted_demand(announced="2026-10-25")
    shorter = PermitRules(vietnamese_first_days=7)
    assert demands.decide(late, approve(), TODAY, rules=shorter)
    not_yet = PermitRules(vietnamese_first_from=date(2027, 1, 1))
    assert demands.decide(submitted_demand(announced=None), approve(), TODAY, rules=not_yet)


def test_a_hire_is_recorded_where_the_employer_works_and_caps_the_approval() -> None:
    hire = vietnamese_first.RecordHire(worker_id=RETURNEE, hired_on=date(2026, 11, 10))
    [event] = demands.decide(submitted_demand(), hire, TODAY)
    assert isinstance(event, DemandVietnameseHired)
    assert (event.returnee, event.commune_code) == (True, "27937")
    state = decided(submitted_demand(), hire)
    with pytest.raises(InvalidInput) as refused:
        demands.decide(state, approve(approved_number=3), TODAY)
    assert refused.value.field == "approved_number"
    assert demands.decide(state, approve(approved_number=2), TODAY)


def test_the_same_returnee_is_not_hired_twice_and_a_referral_is_recorded_once() -> None:
    hire = vietnamese_first.RecordHire(worker_id=RETURNEE)
    state = decided(submitted_demand(), hire)
    with pytest.raises(InvalidInput) as refused:
        demands.decide(state, hire, TODAY)
    assert refused.value.field == "worker_id"
    refer = vietnamese_first.ReferCandidate(worker_id=RETURNEE)
    referred = decided(state, refer)
    assert demands.decide(referred, refer, TODAY) == []


def test_a_hire_before_the_submission_is_refused() -> None:
    hire = vietnamese_first.RecordHire(hired_on=date(2026, 10, 1))
    with pytest.raises(InvalidInput) as refused:
        demands.decide(submitted_demand(), hire, TODAY)
    assert refused.value.field == "hired_on"


def test_an_announcement_without_a_posting_reference_is_accepted() -> None:
    body = {
        "announced_on": "2026-10-01",
        "channel": "ministry_portal",
        "posting_reference": None,
        "occupation_code": "7212",
        "sector": "manufacturing",
    }
    assert vietnamese_first.RecordAnnouncement.model_validate(body).posting_reference is None
