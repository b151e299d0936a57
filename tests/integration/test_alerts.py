"""Deadlines and alerts on the real PostgreSQL, with a settable clock walked across each deadline.

The deadline projection is fed hand-made events (as faust would hand them over, decoded), and
the sweeper is called directly: each kind of deadline is raised once when the clock reaches it
(a second sweep raises nothing), and resolved by the event that fixes it. Every alert is also
an event in notify's own store: `raised` once, `resolved` once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest

from lmis_notify.adapters.alert_book import PostgresAlertBooks
from lmis_notify.adapters.alert_reads import PostgresAlertReads
from lmis_notify.adapters.projection import DeadlineProjection
from lmis_notify.application.deadlines import Deadlines
from lmis_notify.application.ports import AlertChange
from lmis_notify.application.sweeper import Sweeper
from lmis_notify.bootstrap import migrate, rebuild
from lmis_notify.domain import alerts
from lmis_notify.domain.alerts import RaiseAlert
from lmis_notify.domain.model import Cause, alert_id, report_id
from lmis_notify.domain.rules import RuleSettings
from lmis_notify.settings import NotifySettings
from lmis_shared.clock import VIETNAM_TZ, FixedClock
from lmis_shared.contracts import permits as p
from lmis_shared.contracts import registry as r
from lmis_shared.contracts import registry_loans as loans
from lmis_shared.contracts.notify import AlertRule, ReportRef, ReportSubmitted
from lmis_shared.events import NewEvent
from lmis_shared.eventstore import AppendContext
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.processing import Decoded, all_events
from lmis_shared.settings import CommonSettings
from tests.conftest import unique
from tests.unit.alert_examples import (
    COMMUNE,
    PERMIT_NUMBER,
    PROVINCE,
    Stream,
    contract_signed,
    disbursement,
    foreign_worker_registered,
    instalments,
    permit_issued,
    repayment,
    worker_registered,
)

pytestmark = pytest.mark.integration

DAY = timedelta(days=1)
RULES = RuleSettings()


class World:
    """The projection, the sweeper and the clock of one schema."""

    def __init__(self, pool: asyncpg.Pool, schema: str, obligations: list[tuple[str, str, str]]):
        self.pool = pool
        self.schema = schema
        self.clock = FixedClock(datetime(2026, 1, 1, 9, tzinfo=VIETNAM_TZ))
        self.projection = DeadlineProjection(pool, schema, Deadlines(RULES, self.clock))
        self.sweeper = Sweeper(PostgresAlertBooks(pool, schema), self.clock, RULES, obligations)
        self.store = PostgresEventStore(pool, schema)
        self.applied: list[Decoded] = []

    async def apply(self, *events: Decoded) -> None:
        self.applied.extend(events)
        await self.projection.process(list(events))

    async def sweep_on(self, day: date) -> int:
        self.clock.set(datetime.combine(day, datetime.min.time(), VIETNAM_TZ) + timedelta(hours=9))
        return await self.sweeper.sweep()

    async def status(self, rule: AlertRule, subject: UUID, due_on: date) -> str | None:
        value: str | None = await self.pool.fetchval(
            f"SELECT status FROM {self.schema}.alerts WHERE id = $1",
            alert_id(rule, subject, due_on),
        )
        return value

    async def figures(self, alert: UUID) -> tuple[int, int | None]:
        row = await self.pool.fetchrow(
            f"SELECT missed, amount_vnd FROM {self.schema}.alerts WHERE id = $1", alert
        )
        assert row is not None
        return row["missed"], row["amount_vnd"]

    async def open_rules(self, subject: UUID) -> list[AlertRule]:
        rows = await self.pool.fetch(
            f"SELECT rule FROM {self.schema}.alerts"
            " WHERE subject_id = $1 AND status <> 'resolved' ORDER BY rule",
            subject,
        )
        return [AlertRule(row["rule"]) for row in rows]

    async def alert_events(self) -> Counter[tuple[UUID, str]]:
        """(alert id, fact) -> how many such events the store holds."""
        found = [e async for e in all_events(self.store)]
        return Counter(
            (e.metadata.stream_id, e.event_type.split(".")[-2])
            for e in found
            if e.metadata.stream_type == "alert"
        )


@pytest.fixture
async def world(pg_pool: asyncpg.Pool, fresh_schema: str) -> AsyncIterator[World]:
    await migrate(pg_pool, fresh_schema)
    yield World(pg_pool, fresh_schema, [("monthly", COMMUNE, PROVINCE)])
    await pg_pool.execute(f"DROP SCHEMA {fresh_schema} CASCADE")


async def raised_once_on(world: World, rule: AlertRule, subject: UUID, due_on: date) -> None:
    """Not raised the day before; raised on the day; a second sweep changes nothing."""
    await world.sweep_on(due_on - DAY)
    assert await world.status(rule, subject, due_on) is None, f"{rule} raised early"
    await world.sweep_on(due_on)
    assert await world.status(rule, subject, due_on) == "open", f"{rule} not raised"
    assert await world.sweep_on(due_on) == 0
    events = await world.alert_events()
    assert events[(alert_id(rule, subject, due_on), "raised")] == 1


async def resolved(world: World, rule: AlertRule, subject: UUID, due_on: date) -> bool:
    events = await world.alert_events()
    return (
        await world.status(rule, subject, due_on) == "resolved"
        and events[(alert_id(rule, subject, due_on), "resolved")] == 1
    )


# --- events ----------------------------------------------------------------------------------


def loan_disbursed(*due: date) -> loans.LoanDisbursed:
    return disbursement(instalments(*due, interest_vnd=80_000))


def paid_through(through: int) -> loans.LoanRepaymentReceived:
    """The first `through` of three instalments of 4 080 000 ₫ paid on 1 April."""
    return repayment(
        date(2026, 4, 1),
        4_080_000 * through,
        through,
        interest_vnd=80_000 * through,
        outstanding_vnd=12_000_000 - 4_000_000 * through,
    )


# --- walking the clock across each deadline -------------------------------------------------


async def test_a_permit_expiring_then_expired_is_raised_once_each_and_resolved_by_its_fix(
    world: World,
) -> None:
    fw, expiry = Stream("foreign_worker"), date(2026, 6, 30)
    await world.apply(
        fw.event(foreign_worker_registered(date(2026, 1, 1))),
        fw.event(permit_issued(date(2026, 1, 1), expiry)),
    )
    opens = expiry - timedelta(days=45)

    await raised_once_on(world, AlertRule.permit_expiring, fw.id, opens)
    applied = p.PermitExtensionApplied(applied_on=opens + DAY, current_expiry_date=expiry)
    await world.apply(fw.event(applied))
    assert await resolved(world, AlertRule.permit_expiring, fw.id, opens)

    await raised_once_on(world, AlertRule.permit_expired, fw.id, expiry + DAY)
    assert await world.open_rules(fw.id) == [
        AlertRule.permit_expired,
        AlertRule.working_without_permit,
    ]
    extended = p.PermitExtended(
        permit_number=PERMIT_NUMBER,
        previous_expiry_date=expiry,
        new_expiry_date=date(2028, 6, 29),
        extended_on=expiry + 2 * DAY,
    )
    await world.apply(fw.event(extended))
    assert await resolved(world, AlertRule.permit_expired, fw.id, expiry + DAY)
    assert await resolved(world, AlertRule.working_without_permit, fw.id, expiry + DAY)
    assert await world.sweep_on(date(2027, 1, 1)) == 0  # the new expiry is far away


async def test_a_foreign_worker_without_a_permit_is_raised_from_the_first_day_of_work(
    world: World,
) -> None:
    fw, first_day = Stream("foreign_worker"), date(2026, 3, 2)
    await world.apply(fw.event(foreign_worker_registered(first_day)))

    await raised_once_on(world, AlertRule.working_without_permit, fw.id, first_day)
    reads = PostgresAlertReads(world.pool, world.schema)  # what the operators' gauge reads
    assert await reads.open_by_rule() == {AlertRule.working_without_permit: 1}
    await world.apply(fw.event(permit_issued(date(2026, 3, 5), date(2028, 3, 4))))

    assert await resolved(world, AlertRule.working_without_permit, fw.id, first_day)
    assert await reads.open_by_rule() == {}


async def test_a_worker_not_back_after_contract_end_and_grace_is_overdue_until_the_return(
    world: World,
) -> None:
    worker, end = Stream("worker"), date(2026, 5, 31)
    await world.apply(worker.event(worker_registered()), worker.event(contract_signed(end)))
    overdue_from = end + timedelta(days=RULES.return_grace_days) + DAY

    await raised_once_on(world, AlertRule.overdue_return, worker.id, overdue_from)
    returned = r.WorkerReturned(return_date=date(2026, 7, 20), reason=r.ReturnReason.personal)
    await world.apply(worker.event(returned))

    assert await resolved(world, AlertRule.overdue_return, worker.id, overdue_from)


async def test_an_extended_contract_is_not_overdue_at_its_first_end(world: World) -> None:
    worker, end = Stream("worker"), date(2026, 5, 31)
    extended = r.WorkerContractExtended(previous_end_date=end, new_end_date=date(2027, 5, 31))
    await world.apply(
        worker.event(worker_registered()),
        worker.event(contract_signed(end)),
        worker.event(extended),
    )

    assert await world.sweep_on(date(2026, 12, 31)) == 0
    assert await world.open_rules(worker.id) == []


async def test_absconding_is_raised_at_once_and_a_redelivery_raises_nothing_more(
    world: World,
) -> None:
    worker = Stream("worker")
    absconded = r.WorkerAbsconded(absconded_on=date(2026, 4, 2), source=r.ReportSource.employer)
    events = [worker.event(worker_registered()), worker.event(absconded)]

    await world.apply(*events)
    await world.apply(*events)  # Kafka delivered them again

    assert await world.status(AlertRule.absconded, worker.id, date(2026, 4, 2)) == "open"
    assert await world.status(AlertRule.family_visit_due, worker.id, date(2026, 4, 2)) == "open"
    assert sum((await world.alert_events()).values()) == 2  # each raised once
    returned = r.WorkerReturned(return_date=date(2026, 8, 1), reason=r.ReturnReason.deported)
    await world.apply(worker.event(returned))
    assert await resolved(world, AlertRule.absconded, worker.id, date(2026, 4, 2))


def loan_applied() -> loans.LoanApplied:
    return loans.LoanApplied(
        worker_id=uuid4(),
        purpose=loans.LoanPurpose.going_abroad,
        amount_vnd=12_000_000,
        commune_code=COMMUNE,
        province_code=PROVINCE,
        applied_on=date(2026, 1, 5),
    )


async def test_a_loan_in_arrears_has_one_alert_that_grows_and_a_repayment_resolves_it(
    world: World,
) -> None:
    loan = Stream("loan")
    dues = (date(2026, 2, 15), date(2026, 3, 15), date(2026, 4, 15))
    await world.apply(loan.event(loan_applied()), loan.event(loan_disbursed(*dues)))
    first = alert_id(AlertRule.loan_overdue, loan.id, dues[0] + DAY)

    await raised_once_on(world, AlertRule.loan_overdue, loan.id, dues[0] + DAY)
    assert await world.figures(first) == (1, 4_080_000)
    await world.sweep_on(dues[1] + DAY)  # the second instalment missed: the same alert
    assert await world.figures(first) == (2, 8_160_000)
    assert await world.status(AlertRule.loan_overdue, loan.id, dues[1] + DAY) is None
    await world.apply(loan.event(paid_through(through=2)))
    assert await resolved(world, AlertRule.loan_overdue, loan.id, dues[0] + DAY)
    assert (await world.alert_events())[(first, "updated")] == 1

    await raised_once_on(world, AlertRule.loan_overdue, loan.id, dues[2] + DAY)
    await world.apply(loan.event(loans.LoanSettled(settled_on=date(2026, 5, 2), repaid_vnd=1)))
    assert await resolved(world, AlertRule.loan_overdue, loan.id, dues[2] + DAY)


async def test_three_missed_instalments_are_one_alert_a_part_paid_lowers_it_paying_resolves(
    world: World,
) -> None:
    loan = Stream("loan")
    dues = (date(2026, 2, 15), date(2026, 3, 15), date(2026, 4, 15), date(2026, 5, 15))
    await world.apply(loan.event(loan_applied()), loan.event(loan_disbursed(*dues)))
    first = alert_id(AlertRule.loan_overdue, loan.id, dues[0] + DAY)

    assert await world.sweep_on(dues[2] + DAY) == 1
    assert await world.open_rules(loan.id) == [AlertRule.loan_overdue]
    assert await world.figures(first) == (3, 3 * 4_080_000)
    part = paid_through(through=1).model_copy(update={"amount_vnd": 5_000_000})
    await world.apply(loan.event(part))  # the first instalment and 920,000 of the second
    assert await world.figures(first) == (2, 3 * 4_080_000 - 5_000_000)
    await world.apply(loan.event(paid_through(through=3)))
    assert await resolved(world, AlertRule.loan_overdue, loan.id, dues[0] + DAY)
    events = await world.alert_events()
    assert (events[(first, "raised")], events[(first, "updated")]) == (1, 1)


async def test_a_monthly_report_is_due_then_late_until_it_is_submitted(world: World) -> None:
    world.clock.set(datetime(2026, 3, 20, 9, tzinfo=VIETNAM_TZ))
    await world.sweeper.sync_obligations()  # tracked from 20 March: March's report first
    ref = ReportRef(kind="monthly", unit_code=COMMUNE, period="2026-03")
    report = report_id(ref)

    await raised_once_on(world, AlertRule.report_due, report, date(2026, 4, 5))
    await raised_once_on(world, AlertRule.report_late, report, date(2026, 4, 11))
    submitted = ReportSubmitted(report=ref, submitted_on=date(2026, 4, 12), submitted_by="o-3")
    stream = Stream("report")
    stream.id = report
    await world.apply(stream.event(submitted))

    assert await resolved(world, AlertRule.report_due, report, date(2026, 4, 5))
    assert await resolved(world, AlertRule.report_late, report, date(2026, 4, 11))
    rows = await world.pool.fetch(
        f"SELECT unit_code, province_code, report FROM {world.schema}.alerts"
    )
    assert {(row["unit_code"], row["province_code"]) for row in rows} == {(COMMUNE, PROVINCE)}


async def test_a_report_submitted_early_never_falls_due(world: World) -> None:
    world.clock.set(datetime(2026, 3, 20, 9, tzinfo=VIETNAM_TZ))
    await world.sweeper.sync_obligations()
    ref = ReportRef(kind="monthly", unit_code=COMMUNE, period="2026-03")
    stream = Stream("report")
    stream.id = report_id(ref)
    submitted = ReportSubmitted(report=ref, submitted_on=date(2026, 3, 31), submitted_by="o-3")
    await world.apply(stream.event(submitted))

    assert await world.sweep_on(date(2026, 4, 30)) == 0
    assert await world.open_rules(stream.id) == []


# --- raising nothing twice ------------------------------------------------------------------


async def test_two_sweeps_at_once_raise_each_alert_once(world: World) -> None:
    dues = tuple(date(2026, 2, 1) + timedelta(days=d) for d in range(40))
    for _ in range(5):
        loan = Stream("loan")
        await world.apply(loan.event(loan_disbursed(*dues)))
    world.clock.set(datetime(2026, 6, 1, 9, tzinfo=VIETNAM_TZ))

    counts = await asyncio.gather(world.sweeper.sweep(), world.sweeper.sweep())

    assert sum(counts) == 5  # one alert a loan, saying 40 instalments missed
    events = await world.alert_events()
    assert len(events) == 5
    assert set(events.values()) == {1}
    missed = await world.pool.fetch(f"SELECT missed FROM {world.schema}.alerts")
    assert [row["missed"] for row in missed] == [40] * 5


async def test_a_rebuild_and_a_new_sweep_after_a_restart_raise_nothing_again(
    world: World,
) -> None:
    worker, loan, fw = Stream("worker"), Stream("loan"), Stream("foreign_worker")
    first, second = date(2026, 3, 31), date(2026, 7, 31)
    extended = p.PermitExtended(
        permit_number=PERMIT_NUMBER,
        previous_expiry_date=first,
        new_expiry_date=second,
        extended_on=date(2026, 2, 20),
    )
    await world.apply(
        worker.event(worker_registered()),
        worker.event(contract_signed(date(2026, 5, 31))),
        loan.event(loan_disbursed(date(2026, 2, 15), date(2026, 3, 15))),
        fw.event(foreign_worker_registered(date(2026, 1, 1))),
        fw.event(permit_issued(date(2026, 1, 1), first)),
        fw.event(p.PermitExtensionApplied(applied_on=date(2026, 2, 16), current_expiry_date=first)),
        fw.event(extended),
    )
    await world.sweep_on(date(2026, 7, 15))  # the extended permit is in its window again
    before = await world.alert_events()
    assert len(before) == 3  # overdue return, permit expiring, the loan's two instalments
    assert await world.open_rules(fw.id) == [AlertRule.permit_expiring]

    # a restarted processor: new objects, and the projection rebuilt from nothing
    restarted = World(world.pool, world.schema, [])
    restarted.clock.set(world.clock.now())
    assert await restarted.projection.rebuild(e.event for e in world.applied) == len(world.applied)
    assert await restarted.sweeper.sweep() == 0

    assert await restarted.alert_events() == before
    # the extension applied for the first permit did not resolve the second one's alert
    assert await world.open_rules(fw.id) == [AlertRule.permit_expiring]


async def test_rebuild_replays_the_stores_of_the_sources_and_raises_nothing_twice(
    world: World, database_url: str
) -> None:
    """`lmis rebuild notify`: a source domain's events are in the schema of its name, notify's
    own (report submissions) in notify's schema."""
    source = unique("t_registry")
    await PostgresEventStore.migrate(world.pool, source)
    worker = Stream("worker")
    absconded = r.WorkerAbsconded(absconded_on=date(2026, 4, 2), source=r.ReportSource.employer)
    facts = [worker.event(worker_registered()), worker.event(absconded)]
    ref = ReportRef(kind="monthly", unit_code=COMMUNE, period="2026-03")
    report = Stream("report")
    report.id = report_id(ref)
    submitted = report.event(
        ReportSubmitted(report=ref, submitted_on=date(2026, 4, 8), submitted_by="o-3")
    )
    context = AppendContext("officer-1", uuid4(), None, None, "/lmis/test", datetime.now(UTC))
    for store, stream, decoded in [
        (PostgresEventStore(world.pool, source), worker, facts),
        (world.store, report, [submitted]),
    ]:
        new = [NewEvent(event_id=d.event.metadata.event_id, payload=d.payload) for d in decoded]
        await store.append(stream.id, stream.stream_type, 0, new, context)
    settings = NotifySettings(schema_name=world.schema, sources=[source, "notify"])
    common = CommonSettings(database_url=database_url, otel_exporter="none")
    try:
        first = await rebuild(world.pool, settings, common)
        again = await rebuild(world.pool, settings, common)
    finally:
        await world.pool.execute(f"DROP SCHEMA {source} CASCADE")

    # the feeds replay the worker's two events and notify's own three (the report and the two
    # alerts the first rebuild raised: alerts of some rules reach the police and communes)
    assert first == again == "notify: 3 events replayed, 5 fanned out to the agency feeds"
    assert await world.status(AlertRule.absconded, worker.id, date(2026, 4, 2)) == "open"
    assert sum((await world.alert_events()).values()) == 2  # absconded, family_visit_due
    assert await world.pool.fetchval(
        f"SELECT count(*) FROM {world.schema}.report_submissions WHERE report_id = $1", report.id
    )


async def test_alerts_stored_one_per_instalment_before_are_merged_into_the_oldest(
    world: World,
) -> None:
    """What an earlier version left: a loan's three missed instalments as three open alerts.
    At start-up the sweeper merges them: the oldest says 3, the others are resolved."""
    loan = Stream("loan")
    dues = (date(2026, 2, 15), date(2026, 3, 15), date(2026, 4, 15))
    await world.apply(loan.event(loan_applied()), loan.event(loan_disbursed(*dues)))
    cause = Cause("lmis-notify-sweeper", uuid4(), world.clock.now())
    async with PostgresAlertBooks(world.pool, world.schema).open() as book:
        subject = (await book.subjects([loan.id]))[loan.id]
        deadlines = sorted(d for d in subject.deadlines)
        await book.mark_raised(deadlines)
        old = []
        for d in deadlines:  # raised one by one, as the rule of one alert per deadline did
            raised = alerts.decide(None, RaiseAlert(d, subject), cause.at)
            old.append(
                AlertChange(
                    None, tuple(raised), alerts.AGGREGATE.fold_more(None, d.alert_id, raised)
                )
            )
        await book.save_alerts([(change, cause) for change in old])
    assert len(await world.open_rules(loan.id)) == 3

    assert await world.sweeper.merge_crowded() == 1

    assert await world.open_rules(loan.id) == [AlertRule.loan_overdue]
    oldest = deadlines[0].alert_id
    assert await world.figures(oldest) == (3, 3 * 4_080_000)
    for later in deadlines[1:]:
        assert await world.status(AlertRule.loan_overdue, loan.id, later.due_on) == "resolved"
    assert await world.sweeper.merge_crowded() == 0
