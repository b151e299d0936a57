"""Outbound worker files: the person, the training, the contract and the steps that record
them, along the story `_lifecycle` writes.

People carry the names of their ethnic group; citizen IDs start with the province's code and
agree with the date of birth and sex (digits 4 to 6), with the last six digits unique in the
plan; every adult is at least 18 at registration. Contracts go through the enterprises that
serve the destination, Korea's EPS through the public centre.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from lmis_cli.demo import _markets as mk
from lmis_cli.demo._follow_up import follow_up_steps
from lmis_cli.demo._lifecycle import ABROAD, OUTCOMES, Story, write_story
from lmis_cli.demo._places import NAME_GROUP_OF_ETHNICITY, NAMES
from lmis_cli.demo._random import add_years, amount, injective, rng_for, stratified, weighted
from lmis_cli.demo._returnees import return_skills
from lmis_cli.demo._setting import Setting
from lmis_cli.demo.plan import WORKER, Entity, Step
from lmis_shared.reference import citizen_id

PASS_SCORES = {"eps_topik": ((90, 175), (40, 79)), "jlpt": ((90, 150), (50, 89))}
EDUCATION = (
    ("primary", 8),
    ("lower_secondary", 45),
    ("upper_secondary", 35),
    ("vocational", 8),
    ("college", 3),
    ("university", 1),
)
OCCUPATIONS = (
    ("farmer", 70),
    ("factory worker", 10),
    ("construction worker", 8),
    ("student", 5),
    ("self-employed", 7),
)


@dataclass(frozen=True)
class WorkerFacts:
    """What the loan generator needs to know about a file."""

    ref: str
    story: Story
    priority_groups: tuple[str, ...]
    fees_vnd: int


def worker(index: int, setting: Setting) -> tuple[Entity, WorkerFacts]:
    rng = rng_for(setting.seed, setting.profile.code, WORKER, index)
    outcome = stratified(index, setting.offset, OUTCOMES)
    market = weighted(rng, [(m, m.share) for m in mk.MARKETS])
    story = Story(outcome, market, weighted(rng, market.months))
    write_story(rng, story, setting.today)
    person, groups = _person(rng, index, setting, story.registered_on)
    contract = _contract(rng, story, setting) if story.signed_on else None
    steps = [Step("register", person), Step("update-profile", _profile(rng, setting))]
    steps += _story_steps(rng, story, index, setting, contract)
    steps += follow_up_steps(index, story, setting)
    ref = f"worker-{index}"
    fees = sum(contract["fees_vnd"].values()) if contract else 0
    return Entity(WORKER, ref, tuple(steps), outcome), WorkerFacts(ref, story, groups, fees)


def _person(
    rng: random.Random, index: int, setting: Setting, registered_on: date
) -> tuple[dict[str, Any], tuple[str, ...]]:
    profile = setting.profile
    sex = "male" if rng.random() < 0.64 else "female"
    age = 18 + int(rng.triangular(0, 22, 4))
    born = add_years(registered_on, -age) - timedelta(days=rng.randint(0, 364))
    ethnicity = weighted(rng, profile.ethnic_mix)
    groups = _priority_groups(rng, ethnicity, sex)
    names = NAMES[NAME_GROUP_OF_ETHNICITY.get(ethnicity, "tai")]
    full_name = " ".join(
        (rng.choice(names.families), rng.choice(names.middle[sex]), rng.choice(names.given[sex]))
    )
    serial = injective(index, 1_000_000, setting.salt)
    number = f"{profile.code:03d}{citizen_id.century_sex_digit(born, sex)}{born.year % 100:02d}"
    return {
        "full_name": full_name,
        "date_of_birth": born.isoformat(),
        "sex": sex,
        "ethnicity": ethnicity,
        "citizen_id": f"{number}{serial:06d}",
        "commune_code": rng.choice(profile.communes),
        "priority_groups": list(groups),
        "registered_on": registered_on.isoformat(),
    }, groups


def _priority_groups(rng: random.Random, ethnicity: str, sex: str) -> tuple[str, ...]:
    groups = ["ethnic_minority"] if ethnicity != "01" else []
    poverty = rng.random()
    if poverty < 0.3:
        groups.append("poor_household")
    elif poverty < 0.42:
        groups.append("near_poor_household")
    if sex == "male" and rng.random() < 0.1:
        groups.append("demobilised_soldier")
    if ethnicity != "01" and rng.random() < 0.35:
        groups.append("difficult_area")
    if rng.random() < 0.03:
        groups.append("land_lost_farmer")
    return tuple(groups)


def _profile(rng: random.Random, setting: Setting) -> dict[str, Any]:
    return {
        "village": rng.choice(setting.profile.villages),
        "education": weighted(rng, EDUCATION),
        "occupation": weighted(rng, OCCUPATIONS),
        "phone": f"0{rng.choice('389')}{rng.randint(0, 99_999_999):08d}",
    }


# --- the steps ----------------------------------------------------------------------------


def _story_steps(
    rng: random.Random,
    story: Story,
    index: int,
    setting: Setting,
    contract: dict[str, Any] | None,
) -> list[Step]:
    steps = [s for course in story.courses for s in _course_steps(rng, course, setting)]
    if contract is not None:
        passport = f"C{injective(index, 10_000_000, setting.salt * 7 + 3):07d}"
        steps += [Step("update-profile", {"passport_number": passport})]
        steps += [Step("sign-contract", contract)]
    if story.withdrawn_on is not None:
        body = {"reason": story.withdrawal_reason, "withdrawn_on": story.withdrawn_on.isoformat()}
        return [*steps, Step("withdraw", body)]
    return steps + _abroad_steps(rng, story)


def _course_steps(rng: random.Random, course: dict[str, Any], setting: Setting) -> list[Step]:
    kind, language = course["kind"], course["language"]
    centres = (
        setting.profile.language_centres
        if kind == "language"
        else setting.profile.orientation_centres
    )
    enrol: dict[str, Any] = {
        "kind": kind,
        "centre": rng.choice(centres),
        "enrolled_on": course["enrolled_on"].isoformat(),
    }
    if language:
        enrol["language"] = language
    steps = [Step("enrol-training", enrol)]
    if course["completed_on"] is not None:
        steps.append(Step("record-training-result", _result(rng, course)))
    return steps


def _result(rng: random.Random, course: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "kind": course["kind"],
        "completed_on": course["completed_on"].isoformat(),
        "passed": course["passed"],
    }
    exam = course["exam"]
    if exam:
        result["exam"] = exam
        if exam in PASS_SCORES:
            passing, failing = PASS_SCORES[exam]
            result["score"] = rng.randint(*(passing if course["passed"] else failing))
    return result


def _abroad_steps(rng: random.Random, story: Story) -> list[Step]:
    if story.departed_on is None or story.outcome not in ABROAD:
        return []
    gate = weighted(rng, mk.BORDER_GATES)
    steps = [
        Step("record-departure", {"departure_date": _iso(story.departed_on), "border_gate": gate})
    ]
    if story.extended_to is not None:
        steps.append(Step("extend-contract", {"new_end_date": _iso(story.extended_to)}))
    if story.absconded_on is not None:
        source = weighted(rng, (("employer", 5), ("sending_organisation", 3), ("embassy", 1)))
        steps.append(Step("report-absconded", {"date": _iso(story.absconded_on), "source": source}))
    if story.overstaying_since is not None:
        source = weighted(rng, (("embassy", 3), ("sending_organisation", 3), ("family", 1)))
        body = {"date": _iso(story.overstaying_since), "source": source}
        steps.append(Step("report-overstaying", body))
    if story.returned_on is not None:
        body = {"return_date": _iso(story.returned_on), "reason": story.return_reason}
        steps.append(Step("record-return", body))
        market = story.market
        key = f"{market.key}/{story.departed_on}/{story.returned_on}"
        sectors = tuple(s for s, _ in market.sectors)
        steps.append(return_skills(key, story.returned_on, market.country, sectors))
    return steps


def _iso(day: date) -> str:
    return day.isoformat()


# --- the contract -------------------------------------------------------------------------


def _contract(rng: random.Random, story: Story, setting: Setting) -> dict[str, Any]:
    market = story.market
    assert story.signed_on is not None
    assert story.start is not None
    fees = {name: amount(rng, low, high) for name, (low, high) in market.fees}
    if market.key in ("kr-eps", "kr-seasonal") and rng.random() < 0.4:
        fees["deposit"] = 100_000_000  # the deposit some provinces ask against overstaying
    return {
        "destination_country": market.country,
        "programme": market.programme,
        "sending_organisation": _sender(rng, market, setting),
        "employer": _employer_abroad(rng, market.country),
        "sector": weighted(rng, market.sectors),
        "start_date": story.start.isoformat(),
        "duration_months": story.months,
        "monthly_salary_vnd": amount(rng, *market.salary),
        "fees_vnd": fees,
        "signed_on": story.signed_on.isoformat(),
    }


def _sender(rng: random.Random, market: mk.Market, setting: Setting) -> dict[str, Any]:
    if market.key == "kr-eps":
        return {"kind": "public_service_centre", "name": mk.EPS_CENTRE}
    if market.public_only:
        return {"kind": "public_service_centre", "name": setting.profile.employment_centre}
    draw = rng.random()
    if draw < market.individual_share:
        return {"kind": "individual_contract"}
    serving = [s for s in mk.ENTERPRISES if market.country in s.countries]
    if draw > 0.95 or not serving:
        return {"kind": "public_service_centre", "name": setting.profile.employment_centre}
    sender = rng.choice(serving)
    return {
        "kind": "licensed_enterprise",
        "name": sender.name,
        "licence_number": sender.licence_number,
    }


def _employer_abroad(rng: random.Random, country: str) -> str:
    firsts, seconds, pattern = mk.EMPLOYERS_ABROAD[country]
    return pattern.format(a=rng.choice(firsts), b=rng.choice(seconds))
