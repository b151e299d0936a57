"""The demo plan for a province: pure and deterministic for (province, sizes, seed, today).

The register of sending organisations, outbound worker files across the whole lifecycle
(through them, and a few through an unlicensed broker) with VBSP loans for some (registry),
then employers, demand approvals and foreign workers with permits in every state (permits).
Nothing here reads the clock, the network or the disk; `load.py` sends the plan.

    plan = generate_plan(12, Sizes(workers=2_000), seed=7, today=date(2026, 11, 23))
"""

from __future__ import annotations

import random
from datetime import date

from lmis_cli.demo import _foreign, _job_reports, _loans, _local_hires, _outbound, _senders
from lmis_cli.demo._places import profile
from lmis_cli.demo._setting import Setting
from lmis_cli.demo.plan import DEMAND, WORKER, Entity, Plan, Sizes


def generate_plan(province: int, sizes: Sizes, seed: int, today: date) -> Plan:
    """Raises ValueError for a province code that does not exist (today's 34 provinces)."""
    plan_rng = random.Random(f"lmis-demo/{seed}/{province}")
    setting = Setting(
        profile=profile(province),
        seed=seed,
        today=today,
        offset=plan_rng.random(),
        salt=plan_rng.randrange(1_000_000),
    )
    registry, permits = _registry_entities(sizes, setting), _permits_entities(sizes, setting)
    files = [e for e in registry if e.kind == WORKER]
    demands = [e for e in permits if e.kind == DEMAND]
    return Plan(
        province=province,
        seed=seed,
        today=today,
        sizes=sizes,
        entities=(*registry, *permits, *_local_hires.local_hires(files, demands, today)),
    )


def _registry_entities(sizes: Sizes, setting: Setting) -> list[Entity]:
    files, loans = [], []
    for index in range(sizes.workers):
        entity, facts = _outbound.worker(index, setting)
        files.append(entity)
        if (loan := _loans.loan(index, facts, setting)) is not None:
            loans.append(loan)
        if (job := _local_hires.job_creation_loan(index, entity, facts, setting)) is not None:
            loans.append(job)
    cases = _senders.with_recruitment_cases(files)
    return [*_senders.sender_entities(setting), *cases, *loans, *_job_reports.job_reports(setting)]


def _permits_entities(sizes: Sizes, setting: Setting) -> list[Entity]:
    employers = _foreign.employers(sizes.employers, setting)
    workers, hires = [], []
    for index in range(sizes.foreign_workers):
        entity, hire = _foreign.foreign_worker(index, employers, setting)
        workers.append(entity)
        hires.append(hire)
    demands = _foreign.demands(employers, hires, setting)
    registrations = [
        _foreign.employer_entity(e, [d for d in demands if d.parent == e.ref], setting)
        for e in employers
    ]
    return [*registrations, *demands, *workers]
