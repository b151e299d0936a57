"""Reading and acknowledging alerts, with the scope checks in one place.

Authorisation is the `Authorizer`'s, on the alert's unit and its rule (`access.py`); the list
query is narrowed in SQL to the rules and units the caller may see, and each row is checked
again on the way out, so a query that went wrong can only show less.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lmis_notify.application.access import ACKNOWLEDGE, alert_kind
from lmis_notify.application.ports import AlertBooks, AlertQuery, AlertReads
from lmis_notify.domain.errors import AlertNotFound
from lmis_notify.domain.model import Alert, AlertStatus, Cause
from lmis_shared.auth import READ, Authorizer, Principal
from lmis_shared.clock import Clock
from lmis_shared.contracts.notify import AlertRule

MAX_PAGE = 500


@dataclass(frozen=True)
class AlertPage:
    items: list[Alert]
    next_after: tuple[datetime, UUID] | None


class Alerts:
    def __init__(
        self, books: AlertBooks, reads: AlertReads, clock: Clock, authorizer: Authorizer
    ) -> None:
        self._books = books
        self._reads = reads
        self._clock = clock
        self._authorizer = authorizer

    async def list(
        self,
        principal: Principal,
        *,
        status: AlertStatus | None = None,
        rule: AlertRule | None = None,
        unit: str | None = None,
        limit: int = 100,
        after: tuple[datetime, UUID] | None = None,
    ) -> AlertPage:
        """The alerts `principal` may read, newest first; asking for a rule it may not read
        is refused (Forbidden), a unit outside its scope just finds nothing."""
        if rule is not None:
            self._authorizer.check(principal, READ, principal.scope, alert_kind(rule))
        asked = [rule] if rule is not None else list(AlertRule)
        visible = tuple(r for r in asked if self._may(principal, READ, principal.scope, r))
        anywhere = tuple(r for r in visible if self._may(principal, READ, None, r))
        limit = max(1, min(limit, MAX_PAGE))
        query = AlertQuery(visible, anywhere, principal.scope, status, unit, limit, after)
        found = await self._reads.list(query) if visible else []
        items = [a for a in found if self._may(principal, READ, a.unit_code, a.rule)]
        last = found[-1] if len(found) == limit else None
        return AlertPage(items, (last.raised_at, last.id) if last else None)

    async def acknowledge(
        self,
        alert_id: UUID,
        principal: Principal,
        correlation_id: UUID,
        traceparent: str | None = None,
    ) -> Alert:
        """Record that `principal` has seen the alert; a second time changes nothing."""
        cause = Cause(
            actor=principal.subject,
            correlation_id=correlation_id,
            at=self._clock.now(),
            traceparent=traceparent,
        )
        async with self._books.open() as book:
            alert = await book.alert(alert_id)
            if alert is None or not self._may(principal, READ, alert.unit_code, alert.rule):
                raise AlertNotFound(str(alert_id))  # not 403: do not confirm it exists
            self._authorizer.check(principal, ACKNOWLEDGE, alert.unit_code, alert_kind(alert.rule))
            return await book.acknowledge(alert, principal.subject, cause)

    def _may(self, principal: Principal, action: str, unit: str | None, rule: AlertRule) -> bool:
        return self._authorizer.allows(principal, action, unit, alert_kind(rule))
