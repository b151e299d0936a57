"""The alerts of issue 15 on the real PostgreSQL, with the settable clock walked across their
deadlines: a family visit due for an overstayer (resolved by the visit, due again after the
interval, ended by the return) and a revoked permit with the employment going on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lmis_shared.contracts import permits as p
from lmis_shared.contracts import registry as r
from lmis_shared.contracts.notify import AlertRule
from tests.integration.test_alerts import World, raised_once_on, resolved, world
from tests.unit.alert_examples import (
    COMMUNE,
    PERMIT_NUMBER,
    Stream,
    contract_signed,
    foreign_worker_registered,
    permit_issued,
    worker_registered,
)
from tests.unit.test_follow_up_alert_rules import visit

pytestmark = pytest.mark.integration
__all__ = ["world"]  # the fixture, shared with test_alerts

VISIT = AlertRule.family_visit_due
END = date(2026, 5, 31)
OVERSTAYING_SINCE = date(2026, 7, 15)


async def overstayer(world: World) -> Stream:
    worker = Stream("worker")
    await world.apply(
        worker.event(worker_registered()),
        worker.event(contract_signed(END)),
        worker.event(
            r.WorkerOverstayed(overstaying_since=OVERSTAYING_SINCE, source=r.ReportSource.embassy)
        ),
    )
    return worker


async def test_an_overstay_raises_a_family_visit_for_the_workers_commune(world: World) -> None:
    worker = await overstayer(world)

    assert await world.status(VISIT, worker.id, OVERSTAYING_SINCE) == "open"
    unit = await world.pool.fetchval(
        f"SELECT unit_code FROM {world.schema}.alerts WHERE subject_id = $1 AND rule = $2",
        worker.id,
        VISIT.value,
    )
    assert unit == COMMUNE


async def test_a_visit_resolves_it_and_the_next_falls_due_after_ninety_days(
    world: World,
) -> None:
    worker = await overstayer(world)
    visited_on = date(2026, 8, 3)

    await world.apply(worker.event(visit(visited_on)))

    assert await resolved(world, VISIT, worker.id, OVERSTAYING_SINCE)
    await raised_once_on(world, VISIT, worker.id, visited_on + timedelta(days=90))


async def test_a_return_ends_the_visits_still_to_come(world: World) -> None:
    worker = await overstayer(world)
    visited_on = date(2026, 8, 3)
    await world.apply(
        worker.event(visit(visited_on)),
        worker.event(
            r.WorkerReturned(return_date=date(2026, 9, 1), reason=r.ReturnReason.personal)
        ),
    )

    assert await world.sweep_on(visited_on + timedelta(days=200)) == 0
    assert await world.open_rules(worker.id) == []


async def test_a_revoked_permit_with_work_going_on_is_flagged_until_employment_ends(
    world: World,
) -> None:
    person = Stream("foreign_worker")
    revoked_on = date(2026, 6, 10)
    await world.apply(
        person.event(foreign_worker_registered(date(2026, 1, 5))),
        person.event(
            permit_issued(date(2026, 1, 10), date(2027, 12, 31), work_location="KCN Long Hậu")
        ),
        person.event(
            p.PermitRevoked(
                permit_number=PERMIT_NUMBER,
                reason=p.RevocationReason.broke_the_law,
                revoked_on=revoked_on,
            )
        ),
    )
    rule = AlertRule.working_after_revocation

    await raised_once_on(world, rule, person.id, revoked_on)
    await world.apply(
        person.event(
            p.EmploymentEnded(ended_on=date(2026, 6, 20), reason=p.EmploymentEndReason.contract_end)
        )
    )

    assert await resolved(world, rule, person.id, revoked_on)
    assert await world.open_rules(person.id) == []
