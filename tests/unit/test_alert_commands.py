"""The alert and report aggregates, and notify's two HTTP commands on the shared command path
with the in-memory event store: acknowledging an alert, submitting a report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from lmis_notify.application.access import NOTIFY_GRANTS
from lmis_notify.application.alerts import Alerts
from lmis_notify.application.ports import AlertQuery
from lmis_notify.application.reports import Reports
from lmis_notify.domain import alerts, reports
from lmis_notify.domain.alerts import (
    AGGREGATE,
    AcknowledgeAlert,
    Alert,
    AlertStatus,
    RaiseAlert,
    ResolveAlert,
)
from lmis_notify.domain.errors import AlertNotFound
from lmis_notify.domain.model import Deadline, Subject
from lmis_notify.domain.reports import Report
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.commands import Change, CommandContext, EventStoreStreams
from lmis_shared.contracts.notify import AlertRule, SubjectKind
from lmis_shared.errors import Forbidden
from lmis_shared.events import NewEvent
from lmis_shared.eventstore import AppendContext, InMemoryEventStore

NOW = datetime(2026, 7, 1, 2, tzinfo=UTC)
COMMUNE = "03637"
DEADLINE = Deadline(AlertRule.overdue_return, uuid4(), date(2026, 7, 1))
SUBJECT = Subject(DEADLINE.subject_id, SubjectKind.worker, COMMUNE, "12")


def fold(*commands: Any) -> Alert | None:
    state = None
    for command in commands:
        events = alerts.decide(state, command, NOW)
        state = AGGREGATE.fold_more(state, DEADLINE.alert_id, events) if events else state
    return state


# --- the alert aggregate ----------------------------------------------------------------------


def test_an_alert_is_raised_once_resolved_once_and_acknowledged_once() -> None:
    raised = fold(RaiseAlert(DEADLINE, SUBJECT))
    assert raised is not None
    assert (raised.id, raised.version, raised.status) == (DEADLINE.alert_id, 1, AlertStatus.open)
    assert alerts.decide(raised, RaiseAlert(DEADLINE, SUBJECT), NOW) == []

    seen = fold(RaiseAlert(DEADLINE, SUBJECT), AcknowledgeAlert("officer-17"))
    assert seen is not None
    assert (seen.acknowledged_by, seen.status, seen.version) == ("officer-17", "acknowledged", 2)
    assert alerts.decide(seen, AcknowledgeAlert("officer-2"), NOW) == []

    fixed = fold(RaiseAlert(DEADLINE, SUBJECT), AcknowledgeAlert("o-1"), ResolveAlert("x.v1"))
    assert fixed is not None
    assert (fixed.status, fixed.resolved_at, fixed.version) == (AlertStatus.resolved, NOW, 3)
    assert alerts.decide(fixed, ResolveAlert("y.v1"), NOW) == []


def test_only_raising_starts_an_alert() -> None:
    with pytest.raises(ValueError, match="only raising"):
        alerts.decide(None, ResolveAlert("x.v1"), NOW)


# --- acknowledging, on the command path -------------------------------------------------------


class Rows:
    """The `alerts` read model: the row of each alert as the command path leaves it."""

    def __init__(self) -> None:
        self.rows: dict[UUID, Alert] = {}

    async def guard(self, connection: Any, change: Change[Alert]) -> None:
        return None

    async def apply(self, connection: Any, change: Change[Alert]) -> None:
        self.rows[change.after.id] = change.after


class NoReads:
    async def list(self, query: AlertQuery) -> list[Alert]:
        return []


def body(alert: Alert) -> dict[str, Any]:
    return {"id": str(alert.id), "status": alert.status.value, "by": alert.acknowledged_by}


def ctx(role: Role, scope: str, key: str | None = None, who: str = "officer-17") -> CommandContext:
    return CommandContext(Principal(who, role, scope), uuid4(), idempotency_key=key)


@pytest.fixture
async def raised() -> tuple[Alerts, InMemoryEventStore, Rows]:
    store, rows = InMemoryEventStore(), Rows()
    [event] = alerts.decide(None, RaiseAlert(DEADLINE, SUBJECT), NOW)
    context = AppendContext("lmis-notify-sweeper", uuid4(), None, None, "/lmis/notify", NOW)
    await store.append(
        DEADLINE.alert_id, "alert", 0, [NewEvent(event_id=uuid4(), payload=event)], context
    )
    authorizer = Authorizer(NOTIFY_GRANTS)
    service = Alerts(EventStoreStreams(store, rows), NoReads(), FixedClock(NOW), authorizer)
    return service, store, rows


async def test_acknowledging_twice_records_the_first_caller_once(raised: Any) -> None:
    service, store, rows = raised
    alert = DEADLINE.alert_id

    first = await service.acknowledge(alert, ctx(Role.COMMUNE_OFFICER, COMMUNE), body)
    again = await service.acknowledge(alert, ctx(Role.ADMIN, "12", who="officer-2"), body)

    assert (
        first.body == again.body == {"id": str(alert), "status": "acknowledged", "by": "officer-17"}
    )
    assert (first.status_code, again.status_code) == (200, 200)
    assert len(await store.read_stream(alert)) == 2
    assert rows.rows[alert].acknowledged_by == "officer-17"


async def test_an_acknowledgement_retried_with_its_key_is_answered_again(raised: Any) -> None:
    service, store, _ = raised
    alert = DEADLINE.alert_id

    first = await service.acknowledge(alert, ctx(Role.ADMIN, "12", "k-1"), body)
    retried = await service.acknowledge(alert, ctx(Role.ADMIN, "12", "k-1"), body)

    assert retried.replayed
    assert retried.body == first.body
    assert len(await store.read_stream(alert)) == 2


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.COMMUNE_OFFICER, "03640"),  # another commune's alert
        (Role.BANK, "12"),  # a rule the bank does not read
    ],
)
async def test_an_alert_the_caller_may_not_read_is_not_found(
    raised: Any, role: Role, scope: str
) -> None:
    service, store, _ = raised

    with pytest.raises(AlertNotFound):
        await service.acknowledge(DEADLINE.alert_id, ctx(role, scope), body)
    with pytest.raises(AlertNotFound):
        await service.acknowledge(uuid4(), ctx(Role.ADMIN, "12"), body)
    assert len(await store.read_stream(DEADLINE.alert_id)) == 1


# --- submitting a report ----------------------------------------------------------------------


def report_body(report: Report) -> dict[str, Any]:
    return {"id": str(report.id), "by": report.submitted_by, "on": str(report.submitted_on)}


def reports_service() -> tuple[Reports, InMemoryEventStore]:
    store = InMemoryEventStore()
    service = Reports(
        EventStoreStreams[Report](store),
        FixedClock(NOW),
        Authorizer(NOTIFY_GRANTS),
        province_of=lambda unit: "12" if unit.startswith(("12", "036")) else None,
    )
    return service, store


async def test_a_report_is_submitted_once_and_a_repeat_answers_the_first_submission() -> None:
    service, store = reports_service()

    first = await service.submit("monthly", COMMUNE, "2026-06", ctx(Role.ADMIN, "12"), report_body)
    again = await service.submit(
        "monthly", COMMUNE, "2026-06", ctx(Role.ADMIN, "12", who="o-2"), report_body
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.body == first.body
    assert first.body["by"] == "officer-17"
    assert len(await store.read_stream(UUID(first.body["id"]))) == 1


async def test_a_submission_retried_with_its_key_answers_201_again() -> None:
    service, _ = reports_service()
    keyed = ctx(Role.ADMIN, "12", "k-1")

    first = await service.submit("monthly", COMMUNE, "2026-06", keyed, report_body)
    retried = await service.submit("monthly", COMMUNE, "2026-06", keyed, report_body)

    assert (first.status_code, retried.status_code) == (201, 201)
    assert retried.replayed


async def test_only_the_unit_s_officers_submit_its_report() -> None:
    service, _ = reports_service()

    with pytest.raises(Forbidden):
        await service.submit(
            "monthly", COMMUNE, "2026-06", ctx(Role.COMMUNE_OFFICER, "03640"), report_body
        )


def test_the_report_aggregate_decides_one_submission() -> None:
    command = reports.SubmitReport(
        reports.report_ref("monthly", COMMUNE, "2026-06"), by="officer-3"
    )
    [submitted] = reports.decide(None, command, date(2026, 7, 2))
    state = reports.AGGREGATE.fold_more(None, uuid4(), [submitted])

    assert (state.submitted_on, state.submitted_by, state.version) == (
        date(2026, 7, 2),
        "officer-3",
        1,
    )
    assert reports.decide(state, command, date(2026, 7, 3)) == []
