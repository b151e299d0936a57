"""What the application layer asks of storage; `adapters/` implements each on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from lmis_notify.domain.model import Alert, AlertStatus, Cause, Deadline, Subject
from lmis_notify.domain.reports import Obligation
from lmis_shared.contracts.notify import AlertRule


class AlertBook(Protocol):
    """The alert tables inside one transaction that holds the alerts lock."""

    async def due(self, today: date, limit: int) -> list[tuple[Deadline, Subject]]: ...

    async def raise_alerts(
        self, items: Sequence[tuple[Deadline, Subject]], cause: Cause
    ) -> int: ...

    async def sync_obligations(
        self, wanted: Sequence[tuple[str, str, str]], since: date
    ) -> None: ...

    async def obligations(self) -> list[tuple[Obligation, date | None]]: ...

    async def store_report_deadlines(
        self,
        obligation: Obligation,
        reports: Sequence[tuple[Subject, tuple[Deadline, ...]]],
        through: date,
    ) -> None: ...

    async def alert(self, alert_id: UUID) -> Alert | None: ...

    async def acknowledge(self, alert: Alert, by: str, cause: Cause) -> Alert: ...


class AlertBooks(Protocol):
    def open(self) -> AbstractAsyncContextManager[AlertBook]:
        """One transaction: everything written in it commits together, or nothing does."""
        ...


@dataclass(frozen=True)
class AlertQuery:
    rules: tuple[AlertRule, ...]
    """The rules asked for, each one the caller may read."""
    anywhere: tuple[AlertRule, ...]
    """Those of `rules` the caller may read in every unit (no scope filter)."""
    scope: str
    """The caller's unit: others' alerts are shown only where it lies in it."""
    status: AlertStatus | None = None
    unit: str | None = None
    limit: int = 100
    after: tuple[datetime, UUID] | None = None
    """Keyset cursor: (raised_at, id) of the last alert of the previous page."""


class AlertReads(Protocol):
    async def list(self, query: AlertQuery) -> list[Alert]:
        """Newest first."""
        ...
