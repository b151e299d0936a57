"""What came of the returnees' skills in the demo: job-creation loans for those who start a
business, and hires at home on demands whose announced position matches a returnee's trade.
Built from the generated plan's own entities (after both services' parts), deterministic.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from lmis_cli.demo._loans import STANDARD_RATE_BP, instalments
from lmis_cli.demo._outbound import WorkerFacts
from lmis_cli.demo._setting import Setting
from lmis_cli.demo.plan import LOAN, LOCAL_HIRE, Entity, Step

_TERM = 36  # months: a household business pays back over three years
WORKER_REF = "@ref:"
"""A body value naming another entity of the plan, replaced by its server-side id when the
step is sent (`load.py`): a hire names the returnee's registry file."""


def skills_of(entity: Entity) -> dict[str, Any] | None:
    """The last record of what the worker brought back, if any."""
    found = [s.body for s in entity.steps if s.command == "record-return-skills"]
    return dict(found[-1]) if found else None


def job_creation_loan(
    index: int, entity: Entity, facts: WorkerFacts, setting: Setting
) -> Entity | None:
    """A returnee who means to start a business borrows from VBSP's job-creation fund."""
    skills = skills_of(entity)
    if skills is None or skills["intention"] != "start_business":
        return None
    rng = random.Random(f"job-loan/{setting.seed}/{setting.profile.code}/{index}")
    applied = date.fromisoformat(skills["recorded_on"]) + timedelta(days=rng.randint(10, 40))
    if applied > setting.today:
        return None
    granted = rng.choice((50_000_000, 80_000_000, 100_000_000))
    body = {"purpose": "job_creation", "amount_vnd": granted, "applied_on": applied.isoformat()}
    steps, outcome = [Step("apply", body)], "applied"
    approved = applied + timedelta(days=rng.randint(5, 15))
    paid_out = approved + timedelta(days=rng.randint(2, 10))
    if paid_out <= setting.today:
        steps.append(
            Step("approve", {"approved_amount_vnd": granted, "approved_on": _iso(approved)})
        )
        terms = {"term_months": _TERM, "annual_interest_rate_bp": STANDARD_RATE_BP}
        disburse = {"amount_vnd": granted, "disbursed_on": _iso(paid_out)} | terms
        steps.append(Step("disburse", disburse))
        outcome = "disbursed"
        for due, amount in instalments(granted, paid_out, _TERM, STANDARD_RATE_BP):
            if due > setting.today:
                break
            steps.append(Step("record-repayment", {"amount_vnd": amount, "paid_on": _iso(due)}))
            outcome = "repaying"
    return Entity(LOAN, f"job-loan-{index}", tuple(steps), outcome, parent=facts.ref)


def local_hires(workers: list[Entity], demands: list[Entity], today: date) -> list[Entity]:
    """Returnees who look for work at home hired on announced demands whose position matches
    their trade (same occupation, else same sector), one a demand; and one other Vietnamese
    job seeker (no registry file) on the first announced demand left."""
    seekers = [
        (w, s)
        for w in workers
        if (s := skills_of(w)) and s["consent_to_contact"] and s["intention"] == "work_locally"
    ]
    out: list[Entity] = []
    taken: set[str] = set()
    open_demands = [d for d in demands if d.outcome in ("submitted", "approved") and _posting(d)]
    for demand in open_demands:
        posting = _posting(demand)
        match = next((w for w, s in seekers if w.ref not in taken and _fits(s, posting)), None)
        body: dict[str, Any] = {"hired_on": today.isoformat()}
        if match is not None:
            taken.add(match.ref)
            body["worker_id"] = WORKER_REF + match.ref
        elif any(e.body.get("worker_id") is None for e in _steps(out)):
            continue  # one job seeker without a file is enough to show
        step = Step("record-hire", body)
        out.append(Entity(LOCAL_HIRE, f"hire-{demand.ref}", (step,), "hired", parent=demand.ref))
    return out


def _looking(skills: dict[str, Any]) -> bool:
    return bool(skills["consent_to_contact"]) and skills["intention"] == "work_locally"


def _posting(demand: Entity) -> dict[str, Any]:
    return next((dict(s.body) for s in demand.steps if s.command == "record-announcement"), {})


def _fits(skills: dict[str, Any], posting: dict[str, Any]) -> bool:
    code, sector = posting.get("occupation_code"), posting.get("sector")
    return bool(skills["occupation_code"] == code or skills["sector"] == sector)


def _steps(entities: list[Entity]) -> list[Step]:
    return [s for e in entities for s in e.steps]


def _iso(day: date) -> str:
    return day.isoformat()
