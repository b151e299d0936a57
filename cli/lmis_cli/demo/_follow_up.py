"""The demo's follow-up of worker files (issue 15): family visits of workers who stay abroad
illegally, the commune police's residence checks, and the local population register the
registry checks identities against in embedded mode.

Each draw comes from a generator of its own (`rng_for(..., "follow-up", index)`), so adding
these steps shifts no other draw of the plan. What `make up` then shows:
  * every absconder and overstayer raises `family_visit_due`; about half were visited once,
    some long enough ago that the next visit (90 days on) is due again;
  * about a third of the files had their residence checked by the commune police;
  * the local register knows nearly every demo citizen: a few are missing (`not_found`) or
    registered with another date of birth (`mismatch`), so the follow-up list is not empty.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from lmis_cli.demo._lifecycle import Story
from lmis_cli.demo._random import days_between, rng_for
from lmis_cli.demo._setting import Setting
from lmis_cli.demo.plan import WORKER, Plan, Step

KIND = "follow-up"
REGISTER_FILE = Path("population") / "register.csv"
"""Under the data directory: the registry's local population register reads it
(`lmis_registry.adapters.population_local`, the same columns)."""
REGISTER_COLUMNS = ("citizen_id", "full_name", "date_of_birth", "residence_commune")
NOT_IN_REGISTER, OTHER_BIRTH_DATE = 29, 31
"""Every 29th demo citizen is missing from the register, every 31st has another birth date."""


def follow_up_steps(index: int, story: Story, setting: Setting) -> list[Step]:
    """A residence check (while the file is open) and family visits (while abroad illegally)."""
    rng = rng_for(setting.seed, setting.profile.code, KIND, index)
    steps: list[Step] = []
    began = story.absconded_on or story.overstaying_since
    still_abroad = began is not None and story.returned_on is None
    if rng.random() < 0.35 and story.withdrawn_on is None and story.returned_on is None:
        checked = min(setting.today, story.registered_on + days_between(rng, 3, 40))
        outcome = "confirmed" if rng.random() < 0.9 else "moved_away"
        steps.append(
            Step("record-residence-check", {"checked_on": _iso(checked), "outcome": outcome})
        )
    if still_abroad and began is not None and rng.random() < 0.5:
        visited = began + days_between(rng, 5, 30)
        if visited <= setting.today:
            body = {
                "visited_on": _iso(visited),
                "visited_by": "commune_officer" if rng.random() < 0.7 else "mass_organisation",
                "outcome": "family_met" if rng.random() < 0.8 else "family_absent",
                "next_step": "visit_again",
            }
            steps.append(Step("record-family-visit", body))
    return steps


def write_population_register(plan: Plan, data_dir: Path) -> Path:
    """The local population register's copy of the plan's citizens (`REGISTER_FILE`)."""
    path = data_dir / REGISTER_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(REGISTER_COLUMNS)
        writer.writerows(_register_rows(plan))
    return path


def _register_rows(plan: Plan) -> Iterator[tuple[str, str, str, str]]:
    for index, entity in enumerate(plan.of_kind(WORKER), start=1):
        body = entity.steps[0].body
        if index % NOT_IN_REGISTER == 0:
            continue
        born = date.fromisoformat(body["date_of_birth"])
        if index % OTHER_BIRTH_DATE == 0:
            born += timedelta(days=1)
        yield body["citizen_id"], body["full_name"], _iso(born), body["commune_code"]


def _iso(day: date) -> str:
    return day.isoformat()
