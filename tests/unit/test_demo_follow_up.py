"""The demo plan (`make up`'s seed and day) shows issue 15's follow-up: family visits due and
recorded for workers abroad illegally, residence checks, a revoked permit with work going on,
and a local population register that verifies most demo citizens but not all."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from lmis_cli.demo._follow_up import write_population_register
from lmis_cli.demo.generate import generate_plan
from lmis_cli.demo.plan import FOREIGN_WORKER, WORKER, Entity, Plan, Sizes

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return generate_plan(12, Sizes(), 2026, TODAY)


def commands(entity: Entity) -> list[str]:
    return [step.command for step in entity.steps]


def test_workers_abroad_illegally_have_visits_due_and_some_recorded(plan: Plan) -> None:
    illegal = [e for e in plan.of_kind(WORKER) if e.outcome in ("absconded", "overstaying")]
    visited = [e for e in illegal if "record-family-visit" in commands(e)]

    assert 0 < len(visited) < len(illegal)  # some still wait for their first visit
    assert all(commands(e)[-1] == "record-family-visit" for e in visited)


def test_some_residence_checks_are_recorded(plan: Plan) -> None:
    assert any("record-residence-check" in commands(e) for e in plan.of_kind(WORKER))


def test_a_revoked_permit_leaves_someone_at_work(plan: Plan) -> None:
    revoked = [e for e in plan.of_kind(FOREIGN_WORKER) if e.outcome == "revoked"]
    assert any("end-employment" not in commands(e) for e in revoked)


def test_the_local_register_knows_most_demo_citizens_but_not_all(
    plan: Plan, tmp_path: Path
) -> None:
    path = write_population_register(plan, tmp_path)
    with path.open(encoding="utf-8") as source:
        known = {row["citizen_id"]: row for row in csv.DictReader(source)}
    workers = [e.steps[0].body for e in plan.of_kind(WORKER)]

    matching = [
        w
        for w in workers
        if known.get(w["citizen_id"], {}).get("date_of_birth") == w["date_of_birth"]
    ]
    assert 0.9 * len(workers) < len(matching) < len(workers)
