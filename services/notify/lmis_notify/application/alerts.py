"""Reading and acknowledging alerts, with the scope checks in one place.

Authorisation is the `Authorizer`'s, on the alert's unit and its rule (`access.py`); the list
query is narrowed in SQL to the rules and units the caller may see, and each row is checked
again on the way out, so a query that went wrong can only show less. Acknowledging is a command
on the alert's stream (`CommandPath`); the `Streams` it is given write the `alerts` row in the
same transaction, under the alerts lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from lmis_notify.application.access import ACKNOWLEDGE, alert_kind
from lmis_notify.application.ports import SOURCE, AlertQuery, AlertReads
from lmis_notify.domain import alerts
from lmis_notify.domain.alerts import AcknowledgeAlert, Alert, AlertStatus, RaiseAlert
from lmis_notify.domain.errors import AlertNotFound
from lmis_notify.domain.model import Deadline, Subject
from lmis_shared.auth import READ, Authorizer, Principal, Role
from lmis_shared.clock import Clock
from lmis_shared.commands import Command, CommandContext, CommandPath, CommandResult, Streams
from lmis_shared.contracts.notify import AlertRule
from lmis_shared.errors import ConcurrencyConflict
from lmis_shared.events import EventPayload

MAX_PAGE = 500
PLATFORM = "lmis-notify"  # the actor of alerts the platform raises about itself


@dataclass(frozen=True)
class AlertPage:
    items: list[Alert]
    next_after: tuple[datetime, UUID] | None


class Alerts:
    def now(self) -> datetime:
        return self._clock.now()

    def __init__(
        self, streams: Streams[Alert], reads: AlertReads, clock: Clock, authorizer: Authorizer
    ) -> None:
        self._path = CommandPath(alerts.AGGREGATE, streams, clock, SOURCE)
        self._reads = reads
        self._clock = clock
        self._authorizer = authorizer

    async def open_by_rule(self) -> dict[AlertRule, int]:
        """How many alerts of every rule are open (0 for none): the operators' gauge, read by
        the processor, not by a caller (it names no unit and no subject)."""
        found = await self._reads.open_by_rule()
        return {rule: found.get(rule, 0) for rule in AlertRule}

    async def list(
        self,
        principal: Principal,
        *,
        status: AlertStatus | None = None,
        rule: AlertRule | None = None,
        unit: str | None = None,
        limit: int = 100,
        after: tuple[datetime, UUID] | None = None,
        subject: UUID | None = None,
    ) -> AlertPage:
        """The alerts `principal` may read, newest first; asking for a rule it may not read
        is refused (Forbidden), a unit outside its scope just finds nothing."""
        if rule is not None:
            self._authorizer.check(principal, READ, principal.scope, alert_kind(rule))
        asked = [rule] if rule is not None else list(AlertRule)
        visible = tuple(r for r in asked if self._may(principal, READ, principal.scope, r))
        anywhere = tuple(r for r in visible if self._may(principal, READ, None, r))
        limit = max(1, min(limit, MAX_PAGE))
        query = AlertQuery(visible, anywhere, principal.scope, status, unit, limit, after, subject)
        found = await self._reads.list(query) if visible else []
        items = [a for a in found if self._may(principal, READ, a.unit_code, a.rule)]
        last = found[-1] if len(found) == limit else None
        return AlertPage(items, (last.raised_at, last.id) if last else None)

    async def acknowledge(
        self, alert_id: UUID, ctx: CommandContext, respond: Callable[[Alert], dict[str, Any]]
    ) -> CommandResult:
        """Record that the caller has seen the alert; a second time changes nothing."""
        principal = ctx.principal

        def authorise(alert: Alert | None) -> None:
            assert alert is not None
            if not self._may(principal, READ, alert.unit_code, alert.rule):
                raise AlertNotFound(str(alert_id))  # not 403: do not confirm it exists
            self._authorizer.check(principal, ACKNOWLEDGE, alert.unit_code, alert_kind(alert.rule))

        def decide(alert: Alert | None) -> list[EventPayload]:
            return alerts.decide(alert, AcknowledgeAlert(principal.subject), self._clock.now())

        command = Command("acknowledge_alert", alert_id, {}, decide, respond, authorise)
        return await self._path.run(command, ctx)

    async def raise_found(self, deadline: Deadline, subject: Subject) -> None:
        """Raise an alert the platform found itself (a webhook subscription paused), once per
        problem: the alert's id is the problem's, so a second raise finds it there."""
        ctx = CommandContext(Principal(PLATFORM, Role.ADMIN, "00"), uuid4())
        now = self._clock.now()
        command: Command[Alert] = Command(
            "raise_alert",
            deadline.alert_id,
            {"rule": deadline.rule.value, "subject": str(deadline.subject_id)},
            lambda state: alerts.decide(state, RaiseAlert(deadline, subject), now),
            lambda _: {},
            creates=True,
            target=str(deadline.alert_id),
        )
        with contextlib.suppress(ConcurrencyConflict):  # raised already
            await self._path.run(command, ctx)

    def _may(self, principal: Principal, action: str, unit: str | None, rule: AlertRule) -> bool:
        return self._authorizer.allows(principal, action, unit, alert_kind(rule))
