"""Employers and their demand approvals: the rules, on plain values."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from lmis_permits.domain import demands, employers, vietnamese_first
from lmis_permits.domain.errors import IllegalTransition
from lmis_shared.contracts.permits import (
    DemandApproved,
    DemandRejected,
    EmployerRelocated,
    EmployerRenamed,
    EmployerSectorChanged,
)
from lmis_shared.errors import InvalidInput
from tests.unit.refusals import refused_fields

TODAY = date(2026, 11, 23)
TAX_CODE = "1101234567"


def register(**changes: Any) -> employers.RegisterEmployer:
    body: dict[str, Any] = {
        "tax_code": TAX_CODE,
        "name": "Công ty  TNHH Điện tử Hòa Bình ",
        "address": "Lô B2, KCN Đức Hòa 1",
        "commune_code": "27937",
        "industrial_zone": "KCN Đức Hòa 1",
        "sector": "electronics manufacturing",
    }
    return employers.RegisterEmployer.model_validate(body | changes)


def employer() -> employers.Employer:
    stream_id = employers.employer_stream_id(TAX_CODE)
    return employers.AGGREGATE.fold_more(None, stream_id, employers.decide(None, register(), TODAY))


def submit(**changes: Any) -> demands.SubmitDemand:
    body: dict[str, Any] = {
        "position": "expert",
        "job_title": "Kỹ sư vận hành dây chuyền SMT",
        "number_of_foreigners": 3,
        "period_start": "2026-01-01",
        "period_end": "2027-12-31",
        "reason": "Dây chuyền mới cần kỹ sư có 5 năm kinh nghiệm; chưa tuyển được trong nước",
        "submitted_on": "2026-11-02",
    }
    return demands.SubmitDemand.model_validate(body | changes)


def submitted_demand(*, announced: str | None = "2026-10-12") -> demands.Demand:
    """A demand explained on 2 November 2026, offered at home from `announced` (None: not)."""
    decided = demands.decide(None, submit(), TODAY, employer=employer())
    state = demands.AGGREGATE.fold_more(None, uuid4(), decided)
    if announced is None:
        return state
    return demands.AGGREGATE.fold_more(
        state, state.id, demands.decide(state, announce(announced), TODAY)
    )


def announce(day: str) -> vietnamese_first.RecordAnnouncement:
    return vietnamese_first.RecordAnnouncement.model_validate(
        {
            "announced_on": day,
            "channel": "employment_service_centre_portal",
            "occupation_code": "2144",
            "sector": "manufacturing",
        }
    )


def decided(state: demands.Demand, command: demands.DemandCommand) -> demands.Demand:
    return demands.AGGREGATE.fold_more(state, state.id, demands.decide(state, command, TODAY))


def approve(**changes: Any) -> demands.ApproveDemand:
    body = {"approved_number": 2, "decision_number": "1520/QĐ-UBND", "decision_date": "2026-11-20"}
    return demands.ApproveDemand.model_validate(body | changes)


def test_an_employer_is_registered_in_its_commune_and_province() -> None:
    state = employer()
    assert (state.commune_code, state.province_code) == ("27937", "80")
    assert state.name == "Công ty TNHH Điện tử Hòa Bình"
    assert state.registered_on == TODAY
    assert state.version == 1


def test_the_same_tax_code_always_names_the_same_stream() -> None:
    assert employers.employer_stream_id(TAX_CODE) == employers.employer_stream_id(TAX_CODE)
    assert employers.employer_stream_id(TAX_CODE) != employers.employer_stream_id("1101234568")


def test_registering_an_employer_twice_is_an_illegal_transition() -> None:
    with pytest.raises(IllegalTransition) as caught:
        employers.decide(employer(), register(), TODAY)
    assert (caught.value.current_state, caught.value.allowed_commands) == ("registered", ["update"])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tax_code": "12345"}, "tax_code"),
        ({"tax_code": "1101234567-01"}, "tax_code"),
        ({"commune_code": "99999"}, "commune_code"),
        ({"name": "X"}, "name"),
        ({"sector": None}, "sector"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_invalid_employer_fields_are_refused_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    assert field in refused_fields(register, **changes)


def test_a_branch_tax_code_is_accepted() -> None:
    assert register(tax_code="1101234567-001").tax_code == "1101234567-001"


def test_an_update_records_one_fact_per_kind_of_change() -> None:
    update = employers.UpdateEmployer(name="Công ty TNHH Hòa Bình Việt Nam", commune_code="27991")
    renamed, relocated = employers.decide(employer(), update, TODAY)
    assert isinstance(renamed, EmployerRenamed)
    assert isinstance(relocated, EmployerRelocated)
    assert (relocated.commune_code, relocated.province_code) == ("27991", "80")
    assert relocated.industrial_zone == "KCN Đức Hòa 1"  # absent: kept
    state = employers.AGGREGATE.fold_more(employer(), employer().id, [renamed, relocated])
    assert (state.name, state.commune_code, state.version) == (update.name, "27991", 3)


def test_an_explicit_null_industrial_zone_means_the_firm_left_it() -> None:
    [relocated] = employers.decide(
        employer(), employers.UpdateEmployer(industrial_zone=None), TODAY
    )
    assert isinstance(relocated, EmployerRelocated)
    assert relocated.industrial_zone is None


def test_an_update_that_changes_nothing_records_nothing() -> None:
    same = employers.UpdateEmployer(
        name="Công ty TNHH Điện tử Hòa Bình", sector="electronics manufacturing"
    )
    assert employers.decide(employer(), same, TODAY) == []
    [changed] = employers.decide(employer(), employers.UpdateEmployer(sector="textiles"), TODAY)
    assert isinstance(changed, EmployerSectorChanged)


def test_an_employer_registration_in_the_future_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        employers.decide(None, register(registered_on="2027-01-01"), TODAY)
    assert caught.value.field == "registered_on"


def test_a_demand_is_submitted_in_the_employers_location() -> None:
    state = submitted_demand()
    assert state.status == demands.DemandStatus.submitted
    assert (state.employer_tax_code, state.province_code) == (TAX_CODE, "80")


def test_a_demand_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        submit(period_end="2025-12-31")
    assert [e["loc"] for e in caught.value.errors()] == [("period_end",)]


def test_an_approved_demand_carries_the_number_and_the_decision() -> None:
    [approved] = demands.decide(submitted_demand(), approve(), TODAY)
    assert isinstance(approved, DemandApproved)
    state = decided(submitted_demand(), approve())
    assert (state.status, state.approved_number, state.decision_number) == (
        demands.DemandStatus.approved,
        2,
        "1520/QĐ-UBND",
    )


def test_approving_more_than_requested_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        demands.decide(submitted_demand(), approve(approved_number=4), TODAY)
    assert caught.value.field == "approved_number"


@pytest.mark.parametrize("decision_date", ["2026-10-01", "2026-11-24"])
def test_a_decision_before_the_submission_or_in_the_future_is_refused(decision_date: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        demands.decide(submitted_demand(), approve(decision_date=decision_date), TODAY)
    assert caught.value.field == "decision_date"


def test_a_rejected_demand_cannot_be_approved_and_says_what_it_allows() -> None:
    reject = demands.RejectDemand(reason="Vị trí có thể tuyển trong nước")
    [rejected] = demands.decide(submitted_demand(), reject, TODAY)
    assert isinstance(rejected, DemandRejected)
    state = decided(submitted_demand(), reject)
    with pytest.raises(IllegalTransition) as caught:
        demands.decide(state, approve(), TODAY)
    assert (caught.value.current_state, caught.value.allowed_commands) == ("rejected", [])


def test_an_approved_demand_cannot_be_decided_again() -> None:
    approved = decided(submitted_demand(), approve())
    with pytest.raises(IllegalTransition) as caught:
        demands.decide(approved, demands.RejectDemand(reason="changed our mind"), TODAY)
    assert caught.value.current_state == "approved"
