"""Notify's deadline projection on the real PostgreSQL resolves a report's `report_due` and
`report_late` alerts when the reporting service files it (`lmis.reporting.report.filed.v1`),
and a correction (a second version) changes nothing more."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lmis_shared.clock import VIETNAM_TZ
from lmis_shared.contracts.notify import AlertRule, ReportRef
from lmis_shared.contracts.reporting import ReportFiled, report_stream_id
from tests.integration.test_alerts import World, raised_once_on, resolved, world
from tests.unit.alert_examples import COMMUNE, Stream

pytestmark = pytest.mark.integration

__all__ = ["world"]  # the fixture this module shares with test_alerts


def filed(ref: ReportRef, version: int, on: date) -> ReportFiled:
    return ReportFiled(
        report=ref,
        version=version,
        hierarchy="current",
        as_of=datetime(on.year, on.month, on.day, 2, tzinfo=UTC),
        filed_on=on,
        due_on=date(2026, 4, 10),
        filed_by="officer-3",
        document_sha256={"xlsx": "ab" * 32, "pdf": "cd" * 32},
        figures={"departures.departed.destination_country.total": version},
    )


async def test_a_late_monthly_report_filed_by_reporting_resolves_its_alerts(world: World) -> None:
    world.clock.set(datetime(2026, 3, 20, 9, tzinfo=VIETNAM_TZ))
    await world.sweeper.sync_obligations()
    ref = ReportRef(kind="monthly", unit_code=COMMUNE, period="2026-03")
    report = report_stream_id(ref)
    await raised_once_on(world, AlertRule.report_due, report, date(2026, 4, 5))
    await raised_once_on(world, AlertRule.report_late, report, date(2026, 4, 11))

    stream = Stream("report")
    stream.id = report
    await world.apply(stream.event(filed(ref, 1, date(2026, 4, 12))))

    assert await resolved(world, AlertRule.report_due, report, date(2026, 4, 5))
    assert await resolved(world, AlertRule.report_late, report, date(2026, 4, 11))
    await world.apply(stream.event(filed(ref, 2, date(2026, 4, 14))))
    assert await world.open_rules(report) == []
    assert await resolved(world, AlertRule.report_late, report, date(2026, 4, 11))
