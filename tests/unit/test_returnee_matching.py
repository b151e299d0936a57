"""Matching returnees with a demand: explainable points, consenting returnees who look for
work only, nothing before the demand's announcement names the position's codes."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from lmis_reporting.domain.facts import DemandFacts, evolve
from lmis_reporting.domain.local_jobs import ReturneeSkills
from lmis_reporting.domain.matching import match
from lmis_shared.contracts import registry as r

DEMAND = DemandFacts(
    commune_code="03637", province_code="12", occupation_code="7212", sector="manufacturing"
)


def skills(
    code: str, sector: str = "construction", years: int = 3, intention: str = "work_locally"
) -> ReturneeSkills:
    return ReturneeSkills(
        occupation_code=code,
        sector=sector,
        years_of_experience=years,
        intention=intention,
        recorded_on=date(2026, 3, 1),
    )


def pool(*found: ReturneeSkills) -> list[tuple[UUID, str, ReturneeSkills]]:
    return [(uuid4(), "03637", s) for s in found]


def test_the_closest_occupation_and_the_same_sector_rank_first_with_their_reasons() -> None:
    welder, fitter, mechanic = skills("7212", "manufacturing"), skills("7214"), skills("7233")
    found = match(DEMAND, pool(mechanic, fitter, welder, skills("7112")))  # a mason: no match

    assert [c.skills for c in found] == [welder, fitter, mechanic]
    assert found[0].reasons == (
        "same occupation 7212",
        "same sector manufacturing",
        "3 year(s) of experience",
    )
    assert found[1].reasons[0] == "same occupation group 721"
    assert found[2].reasons[0] == "related occupation group 72"


def test_no_match_without_a_shared_code_or_sector_or_for_one_going_abroad_again() -> None:
    cook = skills("5120")
    leaving = skills("7212", "manufacturing", intention="go_abroad_again")
    assert match(DEMAND, pool(cook, leaving)) == []


def test_a_demand_not_yet_announced_has_no_candidates() -> None:
    unannounced = DemandFacts(commune_code="03637", province_code="12")
    assert match(unannounced, pool(skills("7212", "manufacturing"))) == []


SKILLS_RECORDED = r.WorkerReturnSkillsRecorded(
    consent_to_contact=True,
    occupation_code="7212",
    sector=r.Sector.manufacturing,
    years_of_experience=4,
    intention=r.ReturnIntention.work_locally,
    recorded_on=date(2026, 3, 1),
)
"""A welder back home who agreed to be contacted about local jobs."""


def test_a_withdrawn_consent_takes_the_returnee_out_of_the_pool() -> None:
    recorded = SKILLS_RECORDED
    kept = evolve(None, recorded)
    assert kept is not None
    assert getattr(kept, "skills", None) is not None
    withdrawn = evolve(kept, recorded.model_copy(update={"consent_to_contact": False}))
    assert withdrawn is not None
    assert getattr(withdrawn, "skills", "x") is None


def test_an_erased_file_leaves_the_pool() -> None:
    recorded = SKILLS_RECORDED
    erased = r.WorkerErased(
        legal_basis="Luật 91/2025/QH15, Điều 14",
        request_reference="YC-1",
        erased_on=date(2026, 4, 1),
    )
    assert getattr(evolve(evolve(None, recorded), erased), "skills", "x") is None
