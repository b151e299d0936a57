"""The recruitment watch on the real PostgreSQL, through the deadline projection: a contract
above the fee ceiling raises one `fee_above_ceiling` alert per organisation, complaints and
repeated excesses in the window raise `suspicious_recruitment`, and a rebuild finds the same
alerts without writing any alert event again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import pytest

from lmis_notify.adapters.projection import DeadlineProjection
from lmis_notify.application.deadlines import Deadlines
from lmis_notify.application.recruitment import RecruitmentWatch
from lmis_notify.bootstrap import migrate
from lmis_notify.domain.recruitment import RecruitmentSettings, commune_subject
from lmis_notify.domain.rules import RuleSettings
from lmis_shared.contracts import registry_senders as s
from lmis_shared.contracts.notify import AlertRule
from lmis_shared.processing import Decoded
from tests.integration.test_alerts import World
from tests.unit.alert_examples import COMMUNE, Stream
from tests.unit.test_recruitment_alerts import SONA, checked

pytestmark = pytest.mark.integration


@pytest.fixture
async def world(pg_pool: asyncpg.Pool, fresh_schema: str) -> AsyncIterator[World]:
    await migrate(pg_pool, fresh_schema)
    world = World(pg_pool, fresh_schema, [])
    watch = RecruitmentWatch(RecruitmentSettings(window_days=90), world.clock)
    world.projection = DeadlineProjection(
        pg_pool, fresh_schema, Deadlines(RuleSettings(), world.clock), watch
    )
    yield world
    await pg_pool.execute(f"DROP SCHEMA {fresh_schema} CASCADE")


def organisation() -> Stream:
    stream = Stream("sending_organisation")
    stream.id = SONA
    return stream


def complaint(stream: Stream, on: date) -> Decoded:
    # one stream: each complaint the next version (the projection parks a gap)
    return stream.event(
        s.BrokerComplaintRecorded(
            received_on=on,
            category=s.ComplaintCategory.excessive_fees,
            commune_code=COMMUNE,
            province_code="12",
            reference=None,
        )
    )


def contract(payload: s.WorkerSenderChecked) -> Decoded:
    # the first event of its stream the projection is handed: the projection checks that
    # versions follow on (a stream first seen at version 3 would be parked as a gap)
    return Stream("worker").event(payload)


async def test_fees_above_the_ceiling_and_complaints_raise_alerts_a_rebuild_keeps(
    world: World,
) -> None:
    await world.apply(contract(checked(90_000_000)))
    assert await world.open_rules(SONA) == [AlertRule.fee_above_ceiling]
    await world.apply(complaint(organisation(), date(2026, 7, 20)))
    assert await world.open_rules(SONA) == [AlertRule.fee_above_ceiling]
    await world.apply(contract(checked(80_000_000, signed_on=date(2026, 8, 1))))
    assert await world.open_rules(SONA) == [
        AlertRule.fee_above_ceiling,
        AlertRule.suspicious_recruitment,
    ]
    fee = await world.pool.fetchval(
        f"SELECT missed FROM {world.schema}.alerts WHERE rule = 'fee_above_ceiling'"
    )
    assert fee == 2
    before = await world.alert_events()
    await world.projection.rebuild([d.event for d in world.applied])
    assert await world.alert_events() == before


async def test_a_communes_unlicensed_contracts_are_counted_in_the_window(world: World) -> None:
    unlicensed = s.SenderCheckOutcome.overridden
    await world.apply(contract(checked(1, outcome=unlicensed, signed_on=date(2026, 1, 5))))
    await world.apply(contract(checked(1, outcome=unlicensed, signed_on=date(2026, 7, 5))))
    commune = commune_subject(COMMUNE)
    assert await world.open_rules(commune) == []  # six months apart: outside a 90-day window
    await world.apply(contract(checked(1, outcome=unlicensed, signed_on=date(2026, 8, 5))))
    assert await world.open_rules(commune) == [AlertRule.suspicious_recruitment]
