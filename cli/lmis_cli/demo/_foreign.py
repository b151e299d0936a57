"""Employers of foreigners, their approved demands, and foreign workers with permits in every
state the province must watch.

Each foreign worker's permit state today is chosen first (valid, extended, expiring inside
the extension window with or without an application, expired with no end of employment
recorded, ended at expiry, revoked, exempt, still waiting), then its dates are worked out
from it. Each employer's demands are then cut to fit its workers: one approved demand per
position whose period covers every engagement and whose number covers every worker, so the
headcount rule never refuses one. Dates follow the permits service's rules: a permit of at
most two years, one extension applied for 45 to 5 days before expiry (the settings'
defaults), no recorded fact after `today`.

Over 350 lines on purpose: the permit states, their dates and the demands cut to fit them are
one derivation; split, each half would need the other's rules to be read.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from lmis_cli.demo import _foreigners as fn
from lmis_cli.demo._places import EmployerKind, Site
from lmis_cli.demo._random import (
    add_months,
    add_years,
    days_between,
    injective,
    rng_for,
    stratified,
    weighted,
)
from lmis_cli.demo._returnees import announcement
from lmis_cli.demo._setting import Setting
from lmis_cli.demo.plan import DEMAND, EMPLOYER, FOREIGN_WORKER, Entity, Step
from lmis_shared.reference.units import commune_name

PERMIT_OUTCOMES = (
    ("valid", 40.0),
    ("extended", 8.0),
    ("expiring", 7.0),
    ("extension_applied", 3.0),
    ("expired", 6.0),
    ("ended", 12.0),
    ("revoked", 5.0),
    ("exempt", 9.0),
    ("pending", 6.0),
)
EXPIRING_DAYS = (6, 44)
"""Days to expiry of an 'expiring' permit: inside the default window (45 to 5 days)."""
_DAY = timedelta(days=1)
_MONTH = timedelta(days=30)
_MERGER = date(2025, 3, 1)  # the labour department became part of the home affairs department
EXEMPTION_GROUNDS = {
    "manager": "Bộ luật Lao động 2019, Điều 154: chủ sở hữu hoặc thành viên góp vốn",
    "executive_director": "Bộ luật Lao động 2019, Điều 154: thành viên hội đồng quản trị",
    "expert": "Nghị định 152/2020/NĐ-CP, Điều 7: di chuyển nội bộ doanh nghiệp",
    "technical_worker": "Nghị định 152/2020/NĐ-CP, Điều 7: thực hiện điều ước quốc tế",
}


@dataclass(frozen=True)
class Employer:
    index: int
    ref: str
    tax_code: str
    name: str
    kind: EmployerKind
    site: Site
    home: str
    """The nationality most of its foreigners share (a Chinese contractor brings Chinese)."""
    size: int


@dataclass(frozen=True)
class Hire:
    employer: Employer
    position: str
    job_title: str
    engaged_on: date


def employers(count: int, setting: Setting) -> list[Employer]:
    profile, taken = setting.profile, set[str]()
    drafted = []
    for index in range(count):
        rng = rng_for(setting.seed, profile.code, EMPLOYER, index)
        kind = weighted(rng, [(k, k.weight) for k in profile.employer_kinds])
        name = rng.choice(kind.names).format(place=rng.choice(profile.place_words))
        if name in taken:
            name = f"{name} - Chi nhánh {index}"
        taken.add(name)
        serial = injective(index, 100_000_000, setting.salt)
        drafted.append(
            Employer(
                index=index,
                ref=f"employer-{index}",
                tax_code=f"{profile.tax_prefix}{serial:08d}",
                name=name,
                kind=kind,
                site=rng.choice(kind.sites),
                home=weighted(rng, kind.nationalities),
                size=rng.choice((1, 2, 3, 5, 8)),
            )
        )
    return drafted


def foreign_worker(index: int, hirers: list[Employer], setting: Setting) -> tuple[Entity, Hire]:
    rng = rng_for(setting.seed, setting.profile.code, FOREIGN_WORKER, index)
    outcome = stratified(index, (setting.offset * 7) % 1.0, PERMIT_OUTCOMES)
    employer = weighted(rng, [(e, float(e.size)) for e in hirers])
    kind = employer.kind
    position = weighted(rng, kind.positions)
    title = rng.choice(kind.job_titles[position])
    engaged, permit_steps = _permit_story(rng, outcome, index, position, employer, setting)
    country = employer.home if rng.random() < 0.7 else weighted(rng, kind.nationalities)
    register = _person(rng, index, country, engaged, setting) | {
        "employer_tax_code": employer.tax_code,
        "position": position,
        "job_title": title,
        "qualifications": [rng.choice(kind.qualifications)],
        "engaged_on": engaged.isoformat(),
    }
    checked = min(setting.today, engaged - days_between(rng, 5, 30))
    health = {
        "checked_on": checked.isoformat(),
        "result": "fit",
        "facility": setting.profile.health_facility,
    }
    steps = (Step("register", register), Step("record-health-check", health), *permit_steps)
    entity = Entity(FOREIGN_WORKER, f"foreign-worker-{index}", steps, outcome, employer.ref)
    return entity, Hire(employer, position, title, engaged)


def _person(
    rng: random.Random, index: int, country: str, engaged: date, setting: Setting
) -> dict[str, Any]:
    people = fn.nationals(country)
    sex = "male" if rng.random() < 0.8 else "female"
    given = rng.choice(people.male if sex == "male" else people.female)
    born = add_years(engaged, -rng.randint(25, 58)) - timedelta(days=rng.randint(0, 364))
    serial = injective(index, 10_000_000, setting.salt)
    return {
        "full_name": fn.full_name(people, rng.choice(people.families), given),
        "nationality": country,
        "passport_number": fn.passport_number(people, serial),
        "date_of_birth": born.isoformat(),
        "sex": sex,
    }


# --- the permit, from the state it is in today -------------------------------------------


def _permit_story(
    rng: random.Random, outcome: str, index: int, position: str, employer: Employer, s: Setting
) -> tuple[date, list[Step]]:
    today = s.today
    months = 24 if outcome == "extended" else weighted(rng, ((24, 7), (12, 3)))
    if outcome == "exempt":
        return _exempt(rng, index, position, today)
    if outcome == "pending":
        engaged = today - days_between(rng, 0, 40)
        applied = engaged - days_between(rng, 0, 10)
        return engaged, [Step("apply-permit", {"applied_on": applied.isoformat()})]
    issued = _issue_date(rng, outcome, months, today)
    expiry = add_months(issued, months) - _DAY
    steps = _issue(rng, index, issued, expiry, employer, s)
    steps += _after_issue(rng, outcome, issued, expiry, today)
    return issued, steps


def _issue_date(rng: random.Random, outcome: str, months: int, today: date) -> date:
    match outcome:
        case "valid":
            return today - days_between(rng, 0, months * 30 - 60)
        case "extended":
            return today - days_between(rng, 690, 1340)
        case "expiring" | "extension_applied":
            expiry = today + days_between(rng, *EXPIRING_DAYS)
        case "expired":
            expiry = today - days_between(rng, 1, 240)
        case "ended":
            expiry = today - days_between(rng, 1, 900)
        case _:  # revoked
            return today - days_between(rng, 30, 600)
    return add_months(expiry + _DAY, -months)


def _issue(
    rng: random.Random, index: int, issued: date, expiry: date, employer: Employer, s: Setting
) -> list[Step]:
    steps = []
    if rng.random() < 0.8:  # older permits are often recorded without their application
        applied = issued - days_between(rng, 7, 25)
        steps.append(Step("apply-permit", {"applied_on": applied.isoformat()}))
    permit = {
        "permit_number": f"{s.profile.code:02d}-{issued.year}-{index + 1:06d}",
        "issue_date": issued.isoformat(),
        "expiry_date": expiry.isoformat(),
        "work_location": employer.site.address,
    }
    steps.append(Step("issue-permit", permit))
    if rng.random() < 0.75:
        steps.append(_residence(rng, index, issued, expiry, s.today))
    return steps


def _residence(rng: random.Random, index: int, start: date, until: date, today: date) -> Step:
    valid_from = min(today, start + days_between(rng, 3, 20))
    card = f"TT{injective(index, 100_000_000, 7):08d}"
    body = {"card_number": card, "valid_from": _iso(valid_from), "valid_until": _iso(until)}
    return Step("register-residence", body)


def _after_issue(
    rng: random.Random, outcome: str, issued: date, expiry: date, today: date
) -> list[Step]:
    steps = []
    if outcome in ("extended", "extension_applied"):
        applied = min(today, expiry - days_between(rng, 5, 45))
        steps.append(Step("apply-extension", {"applied_on": applied.isoformat()}))
        if outcome == "extended":
            extended_on = min(today, applied + days_between(rng, 3, 15))
            new_expiry = add_years(expiry, 2) - days_between(rng, 0, 60)
            body = {"new_expiry_date": _iso(new_expiry), "extended_on": _iso(extended_on)}
            steps.append(Step("extend-permit", body))
    elif outcome == "ended":
        steps.append(Step("end-employment", {"date": expiry.isoformat(), "reason": "contract_end"}))
    elif outcome == "revoked":
        revoked = issued + days_between(rng, 10, max(10, (min(today, expiry) - issued).days))
        reason = weighted(
            rng, (("contract_ended_early", 6), ("broke_the_law", 2), ("obtained_wrongly", 1))
        )
        steps.append(Step("revoke-permit", {"reason": reason, "revoked_on": revoked.isoformat()}))
        # a revocation for breaking the law or a wrongly obtained permit leaves the person at
        # work until someone acts: `working_after_revocation` (issue 15) flags it
        if reason == "contract_ended_early" and rng.random() < 0.6:
            ended = {"date": revoked.isoformat(), "reason": "early_termination"}
            steps.append(Step("end-employment", ended))
    return steps


def _exempt(rng: random.Random, index: int, position: str, today: date) -> tuple[date, list[Step]]:
    valid_from = today - days_between(rng, 0, 600)
    valid_until = add_months(valid_from, 24) - _DAY
    office = "SNV" if valid_from >= _MERGER else "SLĐTBXH"
    exemption = {
        "legal_ground": EXEMPTION_GROUNDS[position],
        "certificate_number": f"{100 + index % 900}/XN-{office}",
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat(),
    }
    steps = [Step("certify-exemption", exemption)]
    if rng.random() < 0.75:
        steps.append(_residence(rng, index, valid_from, valid_until, today))
    return valid_from, steps


# --- demands and employers, cut to fit the hires -----------------------------------------


def demands(hirers: list[Employer], hires: list[Hire], setting: Setting) -> list[Entity]:
    """Per employer: an approved demand per position it hires for, and now and then a
    rejected or a pending one."""
    by_position: dict[tuple[int, str], list[Hire]] = defaultdict(list)
    for hire in hires:
        by_position[hire.employer.index, hire.position].append(hire)
    entities = []
    for employer in hirers:
        for position in sorted({p for e, p in by_position if e == employer.index}):
            rng = rng_for(setting.seed, setting.profile.code, f"demand/{position}", employer.index)
            group = by_position[employer.index, position]
            entities.append(_approved(rng, employer, position, group, setting.today))
        entities += _other_demands(employer, setting)
    return entities


def _approved(
    rng: random.Random, employer: Employer, position: str, group: list[Hire], today: date
) -> Entity:
    first = min(h.engaged_on for h in group)
    last = max(max(h.engaged_on for h in group), today)
    start = first - days_between(rng, 0, 30)
    submitted = start - days_between(rng, 20, 60)
    decided = min(today, submitted + days_between(rng, 7, 25))
    approved = len(group) + rng.randint(0, 2)
    title = group[0].job_title
    submit = _submission(position, title, approved + rng.randint(0, 2), start, submitted)
    submit["period_end"] = _iso(last + days_between(rng, 180, 540))
    approve = {
        "approved_number": approved,
        "decision_number": f"{rng.randint(100, 2999)}/QĐ-UBND",
        "decision_date": _iso(decided),
    }
    steps = (Step("submit", submit), announcement(position, submitted), Step("approve", approve))
    return Entity(DEMAND, f"demand-{employer.index}-{position}", steps, "approved", employer.ref)


def _other_demands(employer: Employer, setting: Setting) -> list[Entity]:
    rng = rng_for(setting.seed, setting.profile.code, "demand/other", employer.index)
    today, kind = setting.today, employer.kind
    position = weighted(rng, kind.positions)
    title = rng.choice(kind.job_titles[position])
    out = []
    if rng.random() < 0.25:
        submitted = today - days_between(rng, 30, 700)
        submit = _submission(position, title, rng.randint(1, 4), submitted + _MONTH, submitted)
        decided = min(today, submitted + days_between(rng, 10, 30))
        reason = "Vị trí này có thể tuyển dụng lao động Việt Nam"
        rejection = Step("reject", {"reason": reason, "decided_on": _iso(decided)})
        out.append(_demand(employer, "rejected", Step("submit", submit), rejection))
    if rng.random() < 0.15:
        submitted = today - days_between(rng, 0, 20)
        submit = _submission(position, title, rng.randint(1, 3), submitted + _MONTH, submitted)
        offered = announcement(position, submitted)
        out.append(_demand(employer, "submitted", Step("submit", submit), offered))
    return out


def _demand(employer: Employer, outcome: str, *steps: Step) -> Entity:
    return Entity(DEMAND, f"demand-{employer.index}-{outcome}", steps, outcome, employer.ref)


def _submission(
    position: str, title: str, number: int, start: date, submitted: date
) -> dict[str, Any]:
    return {
        "position": position,
        "job_title": title,
        "number_of_foreigners": number,
        "period_start": _iso(start),
        "period_end": _iso(add_years(start, 1) - _DAY),
        "reason": f"Vị trí {title.lower()} cần người có kinh nghiệm chuyên sâu; "
        "chưa tuyển được lao động Việt Nam đáp ứng yêu cầu",
        "submitted_on": _iso(submitted),
    }


def employer_entity(employer: Employer, its_demands: list[Entity], setting: Setting) -> Entity:
    rng = rng_for(setting.seed, setting.profile.code, "employer/registration", employer.index)
    submissions = [date.fromisoformat(d.steps[0].body["submitted_on"]) for d in its_demands]
    first = min(submissions, default=setting.today - days_between(rng, 30, 1500))
    registered = first - days_between(rng, 0, 300)
    site, province = employer.site, setting.profile.name
    body: dict[str, Any] = {
        "tax_code": employer.tax_code,
        "name": employer.name,
        "address": f"{site.address}, {commune_name(site.commune_code)}, tỉnh {province}",
        "commune_code": site.commune_code,
        "sector": employer.kind.sector,
        "registered_on": _iso(registered),
    }
    if site.zone:
        body["industrial_zone"] = site.zone
    return Entity(EMPLOYER, employer.ref, (Step("register", body),), "registered")


def _iso(day: date) -> str:
    return day.isoformat()
