"""The alert aggregate, and notify's HTTP command on the shared command path
with the in-memory event store: acknowledging an alert (reports are filed with the reporting
service: tests/unit/test_report_filings.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from lmis_notify.application.access import NOTIFY_GRANTS
from lmis_notify.application.alerts import Alerts
from lmis_notify.application.ports import AlertQuery
from lmis_notify.domain import alerts
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
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.commands import Change, CommandContext, EventStoreStreams
from lmis_shared.contracts.notify import AlertRule, SubjectKind
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
