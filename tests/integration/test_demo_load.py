"""Loading a demo plan through the registry's and the permits service's real HTTP APIs (built
in-process on the real PostgreSQL): everything is accepted, and a second load adds nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import asyncpg
import httpx
import pytest

from lmis_cli.demo import Plan, Sizes, Step, generate_plan, load_plan
from lmis_cli.demo.plan import KINDS
from lmis_shared.clock import FixedClock
from lmis_shared.eventstore.postgres import PostgresEventStore
from tests.integration.permits_api import demo_services
from tests.integration.worker_api import NOW

pytestmark = pytest.mark.integration

TODAY = FixedClock(NOW).today()


@dataclass
class Services:
    clients: dict[str, httpx.AsyncClient]
    registry_events: PostgresEventStore
    permits_events: PostgresEventStore

    async def event_counts(self) -> tuple[int, int]:
        registry = await self.registry_events.read_all(None)
        permits = await self.permits_events.read_all(None)
        return len(registry), len(permits)


@pytest.fixture
async def services(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> AsyncIterator[Services]:
    schemas = {"registry": fresh_schema, "permits": f"{fresh_schema}_permits"}
    async with demo_services(tmp_path, database_url, schemas, pg_pool) as clients:
        yield Services(
            clients,
            PostgresEventStore(pg_pool, schemas["registry"]),
            PostgresEventStore(pg_pool, schemas["permits"]),
        )


async def test_a_plan_loads_without_refusals_and_loading_it_again_adds_nothing(
    services: Services,
) -> None:
    plan = generate_plan(12, Sizes(workers=24, employers=3, foreign_workers=12), 11, TODAY)

    # services that do not hold the plan yet get all of it, even when asked "unless loaded"
    first = await load_plan(plan, services.clients, concurrency=4, unless_loaded=True)
    assert first.refused == {}
    assert first.unavailable == {}
    assert first.left_out == 0
    assert not first.already_loaded
    assert dict(first.created) == {k: n for k, n in plan_counts(plan).items() if n}
    assert first.applied == plan.commands()
    events = await services.event_counts()

    again = await load_plan(plan, services.clients, concurrency=4)
    assert (again.applied, dict(again.created), again.refusals) == (0, {}, 0)
    assert again.replayed == plan.commands()
    assert dict(again.found) == dict(first.created)
    assert await services.event_counts() == events


async def test_a_plan_the_services_hold_is_recognised_from_two_replayed_creations(
    services: Services,
) -> None:
    plan = generate_plan(12, Sizes(workers=6, employers=2, foreign_workers=3), 11, TODAY)
    await load_plan(plan, services.clients)
    events = await services.event_counts()

    checked = await load_plan(plan, services.clients, unless_loaded=True)

    assert checked.already_loaded
    assert (checked.applied, checked.replayed) == (0, 2)  # the last worker, the last employer
    assert await services.event_counts() == events


async def test_a_missing_route_is_skipped_and_a_refusal_counted_while_the_load_goes_on(
    services: Services,
) -> None:
    plan = generate_plan(12, Sizes(workers=3, foreign_workers=0), 12, TODAY)
    teleported, refused, fine = plan.of_kind("worker")
    back = Step("record-return", {"return_date": TODAY.isoformat(), "reason": "personal"})
    profile = Step("update-profile", {"occupation": "farmer"})
    register = tuple(plan.of_kind("sending_organisation"))  # the contracts go through them
    plan = replace(
        plan,
        entities=(
            *register,
            replace(teleported, steps=(teleported.steps[0], Step("teleport"), profile)),
            replace(refused, steps=(refused.steps[0], back, profile)),
            fine,
        ),
    )

    report = await load_plan(plan, services.clients)

    assert dict(report.unavailable) == {"worker teleport": 1}
    [(why, count)] = report.refused.items()
    assert count == 1
    assert why.startswith("worker record-return: 409 ")
    person = refused.steps[0].body
    assert person["citizen_id"] not in why
    assert person["full_name"] not in why
    assert report.left_out == 2  # the steps after the missing route and after the refusal
    assert report.created["worker"] == 3
    assert report.applied == sum(len(e.steps) for e in register) + 3 + len(fine.steps) - 1


def plan_counts(plan: Plan) -> dict[str, int]:
    return {kind: len(plan.of_kind(kind)) for kind in KINDS}
