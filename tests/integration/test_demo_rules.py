"""What `make up` shows of issue 15's rules: a demo plan loaded into the registry and the
permits service over their real APIs, its events run through notify's own deadline projection
(built as the processor builds it, recruitment watch included) and swept on the demo's day,
raises each of them: recruitment through an unlicensed intermediary
(`suspicious_recruitment`), a fee above the legal ceiling (`fee_above_ceiling`), a family
visit due for a worker abroad illegally (`family_visit_due`) and a foreign worker still at
work after the permit was revoked (`working_after_revocation`)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import asyncpg
import pytest

from lmis_cli.demo import Sizes, generate_plan, load_plan
from lmis_notify.bootstrap import bootstrap
from lmis_notify.bootstrap import migrate as notify_migrate
from lmis_notify.settings import NotifySettings
from lmis_shared.clock import FixedClock
from lmis_shared.contracts.notify import AlertRaised
from lmis_shared.processing import all_events_in, arrival
from lmis_shared.settings import CommonSettings
from tests.conftest import unique
from tests.integration.permits_api import demo_services
from tests.integration.worker_api import NOW

pytestmark = pytest.mark.integration

ISSUE_15 = {
    "suspicious_recruitment",
    "fee_above_ceiling",
    "family_visit_due",
    "working_after_revocation",
}
SIZES = Sizes(workers=300, employers=8, foreign_workers=80)
"""The smallest plan that holds every rule (the brokers' cases are among its first files)."""


async def test_the_demo_raises_each_rule_of_issue_15(
    pg_pool: asyncpg.Pool, database_url: str, common: CommonSettings, tmp_path: Path
) -> None:
    stores = {domain: unique(f"t_{domain}") for domain in ("registry", "permits", "notify")}
    clock = FixedClock(NOW)
    try:
        async with demo_services(tmp_path, database_url, stores, pg_pool) as clients:
            report = await load_plan(generate_plan(12, SIZES, 5, clock.today()), clients)
        assert (report.refused, report.unavailable) == ({}, {})

        await notify_migrate(pg_pool, stores["notify"])
        settings = NotifySettings(schema_name=stores["notify"], report_obligations={})
        notify = bootstrap(pg_pool, settings, common, clock=clock)
        handled = notify.deadlines.event_types
        produced = [
            e async for e in all_events_in(pg_pool, [stores["registry"], stores["permits"]])
        ]
        for start in range(0, len(produced), 500):
            batch = produced[start : start + 500]
            await notify.deadlines.process([arrival(e, handled) for e in batch])
        await notify.sweeper.sweep()

        alerts = [e async for e in all_events_in(pg_pool, [stores["notify"]])]
        raised = Counter(e.data["rule"] for e in alerts if e.event_type == AlertRaised.event_type)
        assert set(raised) >= ISSUE_15, f"missing: {sorted(ISSUE_15 - set(raised))}"
    finally:
        for schema in stores.values():
            await pg_pool.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
