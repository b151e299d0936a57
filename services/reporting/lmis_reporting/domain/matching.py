"""Which returnees match a demand for foreign workers, and why: a simple, explainable score.

The demand's announcement for Vietnamese workers names the position's occupation (VSCO level 4,
which follows ISCO-08) and sector; a returnee's record names the occupation and sector of the
work abroad. Points, each with the reason an officer reads:

    same occupation (4 digits)          4   "same occupation 7212"
    same minor group (3 digits)         2   "same occupation group 721"
    same sub-major group (2 digits)     1   "related occupation group 72"
    same sector                         2   "same sector manufacturing"
    a year of experience, up to 5       0.2 each

Only one occupation line counts (the closest). A returnee who means to go abroad again is not a
candidate; nor one with no point from occupation or sector. Only returnees of the demand's
province who consent to be contacted are in the pool at all (`facts.WorkerFacts.skills`).
Candidates are ranked by score, then by experience, then by file id (a stable order).
There are no other job seekers in the platform yet: the pool is returnees only. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from lmis_reporting.domain.facts import DemandFacts
from lmis_reporting.domain.local_jobs import ReturneeSkills
from lmis_shared.errors import NotFound

_OCCUPATION_LINES = ((4, 4.0, "same occupation"), (3, 2.0, "same occupation group"))
_RELATED = (2, 1.0, "related occupation group")
_SECTOR = 2.0
_PER_YEAR, _MAX_YEARS = 0.2, 5
NOT_LOOKING = "go_abroad_again"


@dataclass(frozen=True)
class Candidate:
    worker_id: UUID
    commune_code: str
    skills: ReturneeSkills
    score: float
    reasons: tuple[str, ...]


def match(
    demand: DemandFacts, returnees: Iterable[tuple[UUID, str, ReturneeSkills]]
) -> list[Candidate]:
    """The returnees (file id, commune, skills) who match `demand`, best first."""
    if demand.occupation_code is None:
        return []  # not announced yet: nothing says what the position asks
    found = [c for c in (_score(demand, *r) for r in returnees) if c is not None]
    return sorted(found, key=lambda c: (-c.score, -c.skills.years_of_experience, str(c.worker_id)))


def _score(
    demand: DemandFacts, worker_id: UUID, commune: str, skills: ReturneeSkills
) -> Candidate | None:
    if skills.intention == NOT_LOOKING:
        return None
    score, reasons = 0.0, []
    wanted = demand.occupation_code or ""
    for digits, points, why in (*_OCCUPATION_LINES, _RELATED):
        if skills.occupation_code[:digits] == wanted[:digits]:
            score += points
            reasons.append(f"{why} {wanted[:digits]}")
            break
    if demand.sector is not None and skills.sector == demand.sector:
        score += _SECTOR
        reasons.append(f"same sector {demand.sector}")
    if not reasons:
        return None
    years = min(skills.years_of_experience, _MAX_YEARS)
    if years:
        score += years * _PER_YEAR
        reasons.append(f"{skills.years_of_experience} year(s) of experience")
    return Candidate(worker_id, commune, skills, round(score, 2), tuple(reasons))


class DemandNotKnown(NotFound):
    """No demand by that id has reached reporting (or the caller may not see it)."""

    def __init__(self, demand_id: UUID) -> None:
        super().__init__("demand", str(demand_id))
