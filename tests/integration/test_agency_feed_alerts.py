"""The agency feeds carry the follow-up events and notify's alerts their purposes allow, on
the real PostgreSQL: the police the broker-fraud alerts (`suspicious_recruitment`,
`fee_above_ceiling`; a catalogue `where` on the alert's rule) and the family visits, the
commune its family visits due, identity checks and returnees' skills; a loan alert reaches
no agency, a Vietnamese-first announcement no feed (no agency's purpose needs it)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from uuid import uuid4

import asyncpg
import pytest

from lmis_notify.bootstrap import bootstrap, migrate
from lmis_notify.settings import NotifySettings
from lmis_shared.contracts import notify as n
from lmis_shared.contracts import permits as p
from lmis_shared.contracts import registry as r
from lmis_shared.contracts import registry_follow_up as f
from lmis_shared.processing import Decoded
from lmis_shared.settings import CommonSettings
from tests.unit.alert_examples import Stream, worker_registered

pytestmark = pytest.mark.integration

IN_FEED_COMMUNE = "03388"
AT = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def alert(rule: n.AlertRule, unit: str, kind: n.SubjectKind) -> n.AlertRaised:
    return n.AlertRaised(
        rule=rule,
        subject_id=uuid4(),
        subject_kind=kind,
        unit_code=unit,
        province_code="12",
        due_on=date(2026, 6, 1),
        raised_at=AT,
    )


def _load() -> tuple[list[Decoded], dict[str, Stream]]:
    events: list[Decoded] = []
    worker = Stream("worker")
    registered = worker_registered().model_copy(update={"commune_code": IN_FEED_COMMUNE})
    events += [
        worker.event(registered),
        worker.event(
            f.WorkerIdentityChecked(
                outcome=f.IdentityCheckOutcome.not_found,
                source=f.IdentitySource.national_population_database,
                checked_at=AT,
            )
        ),
        worker.event(
            f.WorkerFamilyVisitRecorded(
                visited_on=date(2026, 6, 2),
                visited_by=f.Verifier.commune_officer,
                outcome=f.FamilyVisitOutcome.return_agreed,
                next_step=f.FamilyVisitNextStep.awaiting_return,
            )
        ),
        worker.event(
            r.WorkerReturnSkillsRecorded(
                consent_to_contact=True,
                occupation_code="7212",
                sector=r.Sector.manufacturing,
                years_of_experience=3,
                intention=r.ReturnIntention.work_locally,
                recorded_on=date(2026, 6, 3),
            )
        ),
    ]
    alerts = {
        "suspicious": Stream("alert"),
        "fee": Stream("alert"),
        "visit": Stream("alert"),
        "loan": Stream("alert"),
    }
    commune, organisation = n.SubjectKind.commune, n.SubjectKind.sending_organisation
    events += [
        alerts["suspicious"].event(alert(n.AlertRule.suspicious_recruitment, "03637", commune)),
        alerts["fee"].event(alert(n.AlertRule.fee_above_ceiling, "12", organisation)),
        alerts["visit"].event(
            alert(n.AlertRule.family_visit_due, IN_FEED_COMMUNE, n.SubjectKind.worker)
        ),
        alerts["loan"].event(alert(n.AlertRule.loan_overdue, IN_FEED_COMMUNE, n.SubjectKind.loan)),
        alerts["suspicious"].event(
            n.AlertResolved(
                rule=n.AlertRule.suspicious_recruitment,
                subject_id=uuid4(),
                fixed_by="lmis.notify.alert.acknowledged.v1",
                resolved_at=AT,
            )
        ),
    ]
    demand = Stream("demand")
    events.append(
        demand.event(
            p.DemandAnnouncementRecorded(
                announced_on=date(2026, 5, 1),
                channel=p.AnnouncementChannel.employment_service_centre_portal,
                occupation_code="7212",
                sector="manufacturing",
            )
        )
    )
    return events, alerts


async def test_alerts_reach_the_feeds_their_rules_are_for_and_follow_ups_theirs(
    pg_pool: asyncpg.Pool, fresh_schema: str, common: CommonSettings
) -> None:
    settings = NotifySettings(schema_name=fresh_schema, report_obligations={})
    await migrate(pg_pool, fresh_schema)
    try:
        notify = bootstrap(pg_pool, settings, common)
        events, alerts = _load()
        await notify.feed_projection.process(events)
        rows = await pg_pool.fetch(
            f"select feed, unit, event_type, stream_id, data::text from {fresh_schema}.feed_outbox"
        )
        by_feed: dict[str, set[tuple[str, object]]] = {}
        for row in rows:
            by_feed.setdefault(row["feed"], set()).add((row["event_type"], row["stream_id"]))

        raised, resolved = n.AlertRaised.event_type, n.AlertResolved.event_type
        police_alerts = {(t, s) for t, s in by_feed["police"] if t.startswith("lmis.notify.")}
        assert police_alerts == {
            (raised, alerts["suspicious"].id),
            (raised, alerts["fee"].id),
            (resolved, alerts["suspicious"].id),
        }
        commune_alerts = {(t, s) for t, s in by_feed["commune"] if t.startswith("lmis.notify.")}
        assert commune_alerts == {(raised, alerts["visit"].id)}
        assert not any(alerts["loan"].id == s for found in by_feed.values() for _, s in found)
        assert not any(t.startswith("lmis.permits.demand") for x in by_feed.values() for t, _ in x)

        follow_ups = {
            f.WorkerFamilyVisitRecorded.event_type,
            f.WorkerIdentityChecked.event_type,
            r.WorkerReturnSkillsRecorded.event_type,
        }
        police_types = {t for t, _ in by_feed["police"]}
        commune_types = {t for t, _ in by_feed["commune"]}
        assert follow_ups <= commune_types
        assert r.WorkerReturnSkillsRecorded.event_type not in police_types  # not its purpose
        assert f.WorkerFamilyVisitRecorded.event_type in police_types
        assert "lmis.registry.worker.return_skills_recorded.v1" not in {
            t for t, _ in by_feed.get("foreign_affairs", set())
        }

        police_visit = next(
            json.loads(row["data"])
            for row in rows
            if row["feed"] == "police"
            and row["event_type"] == f.WorkerFamilyVisitRecorded.event_type
        )
        assert set(police_visit) == {"visited_on", "outcome", "next_step"}  # not who visited
        visit_topic = {row["unit"] for row in rows if row["stream_id"] == alerts["visit"].id}
        assert visit_topic == {IN_FEED_COMMUNE}  # the commune's own topic
    finally:
        await pg_pool.execute(f"DROP SCHEMA {fresh_schema} CASCADE")
