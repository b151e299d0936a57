"""Demo data for returnees back into local jobs: what returned workers bring back, and each
demand's announcement for Vietnamese workers (Decree 70/2023), with codes that let the
reporting service match them (`GET /v1/demands/{id}/candidates`).

Deterministic without the setting's random streams (a seeded `random.Random` of its own per
file), so adding these steps moves no other generated value.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from lmis_cli.demo.plan import Step

# VSCO level 4 (Decision 34/2020/QĐ-TTg, following ISCO-08) per sector of work abroad
OCCUPATIONS: dict[str, tuple[str, ...]] = {
    "manufacturing": ("7212", "8211", "7233", "8122"),
    "construction": ("7112", "7411", "7126"),
    "agriculture": ("6111", "6121"),
    "fishery": ("6221", "8350"),
    "food_processing": ("7511", "8160"),
    "caregiving": ("5322",),
    "domestic_work": ("9111",),
    "hospitality": ("5120", "5131"),
    "shipbuilding": ("7214", "7212"),
    "services": ("5223",),
    "other": ("9329",),
}
LEVELS = {"ko": ("TOPIK 2", "TOPIK 3", "TOPIK 4"), "ja": ("JLPT N4", "JLPT N3", "JLPT N2")}
_LANGUAGE = {"KR": "ko", "JP": "ja"}
# the position a demand asks a foreigner for, as a Vietnamese posting codes it
POSITIONS = {
    "technical_worker": ("7212", "manufacturing"),
    "expert": ("2144", "manufacturing"),
    "manager": ("1321", "manufacturing"),
    "executive_director": ("1120", "services"),
}


def return_skills(key: str, returned_on: date, country: str, sectors: tuple[str, ...]) -> Step:
    rng = random.Random(f"returnee/{key}")
    sector = rng.choice(sectors) if sectors else "manufacturing"
    language = _LANGUAGE.get(country)
    body: dict[str, Any] = {
        "consent_to_contact": rng.random() < 0.8,
        "occupation_code": rng.choice(OCCUPATIONS.get(sector, ("9329",))),
        "sector": sector,
        "years_of_experience": rng.randint(1, 8),
        "intention": rng.choice(
            ("work_locally", "work_locally", "start_business", "go_abroad_again")
        ),
        "recorded_on": returned_on.isoformat(),  # asked at the return: never in the future
    }
    if language:
        body |= {"language": language, "language_level": rng.choice(LEVELS[language])}
    return Step("record-return-skills", body)


def announcement(position: str, submitted: date) -> Step:
    """Posted on the province's employment service portal 20 days before the explanation."""
    occupation, sector = POSITIONS[position]
    announced = submitted - timedelta(days=20)
    return Step(
        "record-announcement",
        {
            "announced_on": announced.isoformat(),
            "channel": "employment_service_centre_portal",
            "posting_reference": f"vieclam/tin/{announced:%Y%m%d}-{occupation}",
            "occupation_code": occupation,
            "sector": sector,
        },
    )
