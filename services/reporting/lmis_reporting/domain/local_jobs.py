"""The facts matching keeps for returnees back into local jobs (`matching.py`), folded from
registry's and permits' events by the counting projection beside its own facts (`facts.py`).

Data minimisation: a returnee's skills are kept only while the returnee consents to be
contacted about local jobs, and never with a name or an identifier; a demand keeps where the
employer works, the position and the codes of its announcement for Vietnamese workers.
Pure: no I/O.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from lmis_shared.contracts import permits as p
from lmis_shared.contracts import registry as r
from lmis_shared.events import EventPayload


class ReturneeSkills(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    occupation_code: str
    sector: str
    years_of_experience: int
    language: str | None = None
    language_level: str | None = None
    intention: str
    recorded_on: date


def skills_of(e: r.WorkerReturnSkillsRecorded) -> ReturneeSkills | None:
    """The skills to keep: none once the consent is withdrawn (out of the pool)."""
    if not e.consent_to_contact:
        return None
    return ReturneeSkills(
        occupation_code=e.occupation_code,
        sector=e.sector.value,
        years_of_experience=e.years_of_experience,
        language=e.language,
        language_level=e.language_level,
        intention=e.intention.value,
        recorded_on=e.recorded_on,
    )


def demand_changes(e: EventPayload) -> dict[str, object]:
    """What a demand's event changes in its facts (`facts.DemandFacts`), field by field."""
    match e:
        case p.DemandSubmitted():
            return {
                "commune_code": e.commune_code,
                "province_code": e.province_code,
                "position": e.position.value,
                "number_of_foreigners": e.number_of_foreigners,
            }
        case p.DemandAnnouncementRecorded():
            return {"occupation_code": e.occupation_code, "sector": e.sector}
        case p.DemandApproved():
            return {"status": "approved"}
        case p.DemandRejected():
            return {"status": "rejected"}
    return {}
