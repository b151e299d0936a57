"""The demo's returnees back into local jobs: skills recorded after each return, job-creation
loans for those who start a business, and hires at home that the permits domain accepts on
demands announced for Vietnamese workers, each naming a consenting returnee who looks for work
or nobody (another job seeker)."""

from __future__ import annotations

import uuid

from lmis_cli.demo._local_hires import WORKER_REF, skills_of
from lmis_cli.demo.plan import Plan
from lmis_permits.domain import demands as dm
from lmis_permits.domain import employers as em
from lmis_permits.domain.vietnamese_first import RecordHire
from tests.unit.test_demo_generate import TODAY, plan, replay_demand, replay_loan  # noqa: F401


def test_every_return_is_followed_by_what_the_worker_brought_back(plan: Plan) -> None:  # noqa: F811
    returned = [e for e in plan.of_kind("worker") if e.outcome == "returned"]
    assert returned
    assert all(skills_of(e) is not None for e in returned)


def test_job_creation_loans_go_to_returnees_starting_a_business(plan: Plan) -> None:  # noqa: F811
    workers = {e.ref: e for e in plan.of_kind("worker")}
    job_loans = [e for e in plan.of_kind("loan") if e.steps[0].body["purpose"] == "job_creation"]
    assert job_loans
    for loan in job_loans:
        skills = skills_of(workers[loan.parent or ""])
        assert skills is not None
        assert skills["intention"] == "start_business"
        assert replay_loan(loan).purpose.value == "job_creation"


def test_hires_name_consenting_returnees_and_the_permits_domain_accepts_them(plan: Plan) -> None:  # noqa: F811
    workers = {e.ref: e for e in plan.of_kind("worker")}
    demands = {e.ref: e for e in plan.of_kind("demand")}
    employers = {e.ref: e for e in plan.of_kind("employer")}
    hires = plan.of_kind("local_hire")
    assert any("worker_id" in h.steps[0].body for h in hires)
    for hire in hires:
        body = dict(hire.steps[0].body)
        if "worker_id" in body:
            skills = skills_of(workers[body["worker_id"].removeprefix(WORKER_REF)])
            assert skills is not None
            assert (skills["consent_to_contact"], skills["intention"]) == (True, "work_locally")
            body["worker_id"] = str(uuid.uuid4())
        demand_entity = demands[hire.parent or ""]
        employer = em.evolve(
            None,
            em.decide(
                None,
                em.RegisterEmployer.model_validate(
                    employers[demand_entity.parent or ""].steps[0].body
                ),
                TODAY,
            )[0],
            uuid.uuid4(),
        )
        demand = replay_demand(demand_entity, employer)
        assert demand.at_home.announcement is not None
        [event] = dm.decide(demand, RecordHire.model_validate(body), TODAY)
        assert event.event_type == "lmis.permits.demand.vietnamese_hired.v1"
