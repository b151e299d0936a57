"""Sending a demo plan through the services' public HTTP APIs, repeat-safe.

Every command carries an `Idempotency-Key` derived from (province, seed, entity, step), so a
second load of the same plan is answered from the services' idempotency records and appends
nothing.

A refused command does not stop the load: the entity's later steps are left out (they depend
on it), the refusal is counted by its problem type and detail (never a name or a number from
the body), and the load carries on. A route the service does not offer yet (404/405 on the
route itself) is reported as "not available" and the entity's later steps are left out too.
Service by service, kinds load in dependency order (sending organisations, then worker files,
then loans; employers, then demands, then foreign workers), entities of a kind concurrently.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import httpx
from rich.progress import Progress, TaskID

from lmis_cli.demo._local_hires import WORKER_REF
from lmis_cli.demo.plan import (
    DEMAND,
    EMPLOYER,
    FOREIGN_WORKER,
    JOB_REPORT,
    LOAN,
    LOCAL_HIRE,
    SENDER,
    WORKER,
    Entity,
    Plan,
)

REGISTRY, PERMITS = "registry", "permits"
PATCHED = frozenset({"update-profile"})
"""Commands sent as PATCH on the entity itself rather than POST on a sub-resource."""


@dataclass(frozen=True)
class Route:
    service: str
    create: str
    """The collection the first step posts to; `{parent}` is the parent entity's id."""
    item: str
    id_field: str
    """The field of the creation's answer that identifies the entity."""
    parent_field: str | None = None
    """The body field that carries the parent's id."""


ROUTES: Mapping[str, Route] = {
    SENDER: Route(REGISTRY, "/v1/sending-organisations", "/v1/sending-organisations/{id}", "id"),
    WORKER: Route(REGISTRY, "/v1/workers", "/v1/workers/{id}", "id"),
    LOAN: Route(REGISTRY, "/v1/loans", "/v1/loans/{id}", "id", parent_field="worker_id"),
    JOB_REPORT: Route(REGISTRY, "/v1/job-creation-reports", "/v1/job-creation-reports/{id}", "id"),
    EMPLOYER: Route(PERMITS, "/v1/employers", "/v1/employers/{id}", "tax_code"),
    DEMAND: Route(PERMITS, "/v1/employers/{parent}/demands", "/v1/demands/{id}", "id"),
    FOREIGN_WORKER: Route(PERMITS, "/v1/foreign-workers", "/v1/foreign-workers/{id}", "id"),
    # a command on a demand that names a registry file: sent once both services are loaded
    LOCAL_HIRE: Route(PERMITS, "/v1/demands/{parent}/record-hire", "/v1/demands/{id}", "id"),
}
PHASES = {REGISTRY: (SENDER, WORKER, LOAN, JOB_REPORT), PERMITS: (EMPLOYER, DEMAND, FOREIGN_WORKER)}
KIND_LABELS = {
    SENDER: "sending organisations",
    WORKER: "worker files",
    LOAN: "loans",
    JOB_REPORT: "jobs created (communes' reports)",
    EMPLOYER: "employers",
    DEMAND: "demand approvals",
    FOREIGN_WORKER: "foreign workers",
    LOCAL_HIRE: "hires at home",
}


@dataclass
class LoadReport:
    created: Counter[str] = field(default_factory=Counter)
    """New entities, per kind."""
    found: Counter[str] = field(default_factory=Counter)
    """Entities an earlier load had already created, per kind."""
    applied: int = 0
    """Commands (creations included) that changed something."""
    replayed: int = 0
    """Commands answered from an earlier load's idempotency record."""
    refused: Counter[str] = field(default_factory=Counter)
    """Refusals by kind, command, status and problem detail."""
    unavailable: Counter[str] = field(default_factory=Counter)
    """Steps not sent because the service has no route for the command yet."""
    left_out: int = 0
    """Steps not sent because an earlier step (or the parent entity) did not go through."""
    already_loaded: bool = False
    """Nothing was sent: the services already hold this plan (`load_plan(unless_loaded=True)`)."""

    @property
    def refusals(self) -> int:
        return sum(self.refused.values())


def idempotency_key(plan: Plan, entity: Entity, index: int) -> str:
    step = entity.steps[index]
    return f"demo-{plan.province:02d}-{plan.seed}-{entity.ref}-{index}-{step.command}"


async def load_plan(
    plan: Plan,
    clients: Mapping[str, httpx.AsyncClient],
    *,
    concurrency: int = 8,
    progress: Progress | None = None,
    unless_loaded: bool = False,
) -> LoadReport:
    """Send `plan`; `clients` maps 'registry' and 'permits' to clients with auth headers.

    `unless_loaded`: first ask whether the services already hold the plan (the creation of the
    last entity of each service's first kind answers as a replay) and send nothing more if so.
    Only ask when the plan is known to have gone through in full before: a replayed creation
    says nothing of the steps after it.
    """
    loader = _Loader(plan, clients, LoadReport(), progress)
    if unless_loaded and await loader.holds_plan():
        loader.report.already_loaded = True
        return loader.report
    loader.show_progress()
    await asyncio.gather(*(loader.run_phases(kinds, concurrency) for kinds in PHASES.values()))
    await loader.run_phases((LOCAL_HIRE,), concurrency)  # names files of both services
    return loader.report


class _Loader:
    def __init__(
        self,
        plan: Plan,
        clients: Mapping[str, httpx.AsyncClient],
        report: LoadReport,
        progress: Progress | None,
    ) -> None:
        self.plan, self.clients, self.report, self.progress = plan, clients, report, progress
        self.ids: dict[str, str] = {}
        self.missing_routes: set[tuple[str, str]] = set()
        self.tasks: dict[str, TaskID] = {}

    def show_progress(self) -> None:
        if self.progress is None:
            return
        for kind, label in KIND_LABELS.items():
            if total := len(self.plan.of_kind(kind)):
                self.tasks[kind] = self.progress.add_task(label, total=total)

    async def holds_plan(self) -> bool:
        for first_kind, *_ in PHASES.values():
            entities = self.plan.of_kind(first_kind)
            if not entities:
                continue
            last = entities[-1]
            response = await self._send(last, 0)
            if not response.is_success:
                return False
            self._count(last, 0, response)  # the load that may follow starts after it
            if response.headers.get("Idempotent-Replayed") != "true":
                return False
        return True

    async def run_phases(self, kinds: tuple[str, ...], concurrency: int) -> None:
        for kind in kinds:
            queue = iter(self.plan.of_kind(kind))
            await asyncio.gather(*(self._drain(queue) for _ in range(concurrency)))

    async def _drain(self, queue: Iterator[Entity]) -> None:
        # one shared iterator: each coroutine takes the next entity when it is free
        for entity in queue:
            await self._load(entity)
            if self.progress is not None:
                self.progress.advance(self.tasks[entity.kind])

    async def _load(self, entity: Entity) -> None:
        if entity.parent is not None and entity.parent not in self.ids:
            self.report.left_out += len(entity.steps)
            return
        created = entity.ref in self.ids  # by `holds_plan`
        for index, step in enumerate(entity.steps):
            if index == 0 and created:
                continue
            if (entity.kind, step.command) in self.missing_routes:
                self._leave_out(entity, index, unavailable=True)
                return
            response = await self._send(entity, index)
            if response.status_code in (404, 405):
                self.missing_routes.add((entity.kind, step.command))
                self._leave_out(entity, index, unavailable=True)
                return
            if not response.is_success:
                self.report.refused[_refusal(entity, index, response)] += 1
                self._leave_out(entity, index + 1, unavailable=False)
                return
            self._count(entity, index, response)

    async def _send(self, entity: Entity, index: int) -> httpx.Response:
        route, step = ROUTES[entity.kind], entity.steps[index]
        body: dict[str, Any] = dict(step.body)
        parent = self.ids.get(entity.parent or "", "")
        if index == 0:
            method, path = "POST", route.create.format(parent=parent)
            if route.parent_field:
                body[route.parent_field] = parent
            body = self._resolved(body)
        else:
            item = route.item.format(id=self.ids[entity.ref])
            patched = step.command in PATCHED
            method, path = ("PATCH", item) if patched else ("POST", f"{item}/{step.command}")
        key = idempotency_key(self.plan, entity, index)
        client = self.clients[route.service]
        while True:  # a rate limit (429) is waited out: the key makes the retry safe
            response = await client.request(
                method, path, json=body, headers={"Idempotency-Key": key}
            )
            if response.status_code != HTTPStatus.TOO_MANY_REQUESTS:
                return response
            await asyncio.sleep(min(float(response.headers.get("Retry-After", "1")), 60.0))

    def _resolved(self, body: dict[str, Any]) -> dict[str, Any]:
        """`@ref:<entity>` values replaced by that entity's id (`_local_hires.WORKER_REF`)."""
        return {
            k: self.ids.get(v.removeprefix(WORKER_REF), v)
            if isinstance(v, str) and v.startswith(WORKER_REF)
            else v
            for k, v in body.items()
        }

    def _count(self, entity: Entity, index: int, response: httpx.Response) -> None:
        replayed = response.headers.get("Idempotent-Replayed") == "true"
        if replayed:
            self.report.replayed += 1
        else:
            self.report.applied += 1
        if index == 0:
            self.ids[entity.ref] = str(response.json()[ROUTES[entity.kind].id_field])
            (self.report.found if replayed else self.report.created)[entity.kind] += 1

    def _leave_out(self, entity: Entity, first: int, *, unavailable: bool) -> None:
        if unavailable:
            self.report.unavailable[f"{entity.kind} {entity.steps[first].command}"] += 1
            first += 1
        self.report.left_out += len(entity.steps) - first


def _refusal(entity: Entity, index: int, response: httpx.Response) -> str:
    """What was refused and why, from the problem detail: the services never echo a value."""
    try:
        problem = response.json()
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    why = problem.get("detail") or problem.get("title") or response.reason_phrase
    fields = ", ".join(str(e.get("field")) for e in problem.get("errors") or [])
    where = f" [{fields}]" if fields else ""
    return f"{entity.kind} {entity.steps[index].command}: {response.status_code} {why}{where}"
