"""A demo plan: what to create, in which order, through which commands; and its JSON lines.

A plan is data, not HTTP: each entity (a worker file, a loan, an employer, a demand, a foreign
worker file) is a list of steps named as the API names its commands (`register`,
`sign-contract`, `issue-permit`…) with the body each sends. `load.py` knows the routes.
`outcome` says what the generator meant the entity to end as (`overstaying`, `expired`…):
summaries and tests read it; it is never sent.

JSON lines: the first line is `{"plan": {province, seed, today, sizes}}`, then one entity per
line, in loading order.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

Body = Mapping[str, Any]

WORKER, LOAN, EMPLOYER, DEMAND, FOREIGN_WORKER, LOCAL_HIRE = (
    "worker",
    "loan",
    "employer",
    "demand",
    "foreign_worker",
    "local_hire",
)
SENDER = "sending_organisation"
JOB_REPORT = "job_creation_report"
KINDS = (SENDER, WORKER, LOAN, JOB_REPORT, EMPLOYER, DEMAND, FOREIGN_WORKER, LOCAL_HIRE)


@dataclass(frozen=True)
class Sizes:
    workers: int = 200
    employers: int = 15
    foreign_workers: int = 60

    def __post_init__(self) -> None:
        # citizen IDs and passport numbers are unique below a million per plan
        if not 0 <= self.workers <= 1_000_000 or not 0 <= self.foreign_workers <= 1_000_000:
            raise ValueError("workers and foreign workers: 0 to 1,000,000")
        if self.foreign_workers and self.employers < 1:
            raise ValueError("foreign workers need at least one employer")


@dataclass(frozen=True)
class Step:
    command: str
    body: Body = field(default_factory=dict)


@dataclass(frozen=True)
class Entity:
    kind: str
    ref: str
    """Unique in the plan ("worker-17"); part of every idempotency key of its commands."""
    steps: tuple[Step, ...]
    """The first step creates the entity; the others run on it, in order."""
    outcome: str
    parent: str | None = None
    """The entity whose server-side id the first step needs (a loan's worker file)."""


@dataclass(frozen=True)
class Plan:
    province: int
    seed: int
    today: date
    sizes: Sizes
    entities: tuple[Entity, ...]

    def of_kind(self, kind: str) -> list[Entity]:
        return [e for e in self.entities if e.kind == kind]

    def commands(self) -> int:
        return sum(len(e.steps) for e in self.entities)

    def summary(self) -> dict[str, Counter[str]]:
        """Outcomes per kind: counts only, nothing personal."""
        counts: dict[str, Counter[str]] = {}
        for entity in self.entities:
            counts.setdefault(entity.kind, Counter())[entity.outcome] += 1
        return counts


def write_jsonl(plan: Plan, out: TextIO) -> None:
    header = {
        "province": plan.province,
        "seed": plan.seed,
        "today": plan.today.isoformat(),
        "sizes": vars(plan.sizes),
    }
    out.write(json.dumps({"plan": header}, ensure_ascii=False) + "\n")
    for entity in plan.entities:
        out.write(json.dumps(_entity_json(entity), ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> Plan:
    with path.open(encoding="utf-8") as lines:
        header = json.loads(next(lines))["plan"]
        entities = tuple(_entity(json.loads(line)) for line in lines if line.strip())
    return Plan(
        province=int(header["province"]),
        seed=int(header["seed"]),
        today=date.fromisoformat(header["today"]),
        sizes=Sizes(**header["sizes"]),
        entities=entities,
    )


def _entity_json(entity: Entity) -> dict[str, Any]:
    return {
        "kind": entity.kind,
        "ref": entity.ref,
        "parent": entity.parent,
        "outcome": entity.outcome,
        "steps": [{"command": s.command, "body": dict(s.body)} for s in entity.steps],
    }


def _entity(data: Mapping[str, Any]) -> Entity:
    return Entity(
        kind=data["kind"],
        ref=data["ref"],
        parent=data.get("parent"),
        outcome=data["outcome"],
        steps=tuple(Step(s["command"], s["body"]) for s in data["steps"]),
    )
