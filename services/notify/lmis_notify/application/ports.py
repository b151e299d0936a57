"""What the application layer asks of storage; `adapters/` implements each on PostgreSQL and the
unit tests in memory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from lmis_notify.domain.alerts import Alert, AlertStatus
from lmis_notify.domain.model import Cause, Deadline, Subject
from lmis_notify.domain.reports import Obligation
from lmis_shared.contracts.notify import AlertRule, ReportRef
from lmis_shared.events import EventPayload

Pair = tuple[UUID, AlertRule]
"""A subject and a rule: one problem, which has at most one open alert."""

SOURCE = "/lmis/notify"
"""The source of every event notify records (alerts and report submissions)."""


@dataclass(frozen=True)
class AlertChange:
    """What `decide` added to one alert: its events after `before` (None: a new alert), and
    the alert after them."""

    before: Alert | None
    events: tuple[EventPayload, ...]
    after: Alert


class AlertBook(Protocol):
    """The alert tables inside one transaction that holds the alerts lock: everything written
    through one book commits together, or nothing does."""

    # --- what the rules remember of each stream ---

    async def subjects(self, ids: Iterable[UUID]) -> dict[UUID, Subject]: ...

    async def save_subjects(self, subjects: Sequence[Subject], *, replace: bool = True) -> None:
        """Store the subjects; without `replace`, one already stored is kept as it is."""
        ...

    # --- alerts ---

    async def alerts(self, ids: Iterable[UUID]) -> dict[UUID, Alert]:
        """The alerts among `ids` that exist."""
        ...

    async def open_alerts(self, pairs: Sequence[Pair]) -> dict[Pair, list[Alert]]:
        """The alerts of each pair that are not resolved, the oldest problem (`due_on`) first:
        one, or several stored before one problem had one alert."""
        ...

    async def crowded(self, limit: int) -> list[Pair]:
        """Pairs with more than one alert not resolved (stored one per deadline before)."""
        ...

    async def save_alerts(self, changes: Sequence[tuple[AlertChange, Cause]]) -> None:
        """Append each change's events to its alert's stream (caused by the cause beside it)
        and write the alerts as they are after them: on PostgreSQL, two statements however
        many alerts and causes (a batch's alerts of distinct subjects, each its own cause)."""
        ...

    # --- deadlines ---

    async def set_deadlines(
        self, deadlines: Sequence[Deadline], *, revive: bool = True, raised: Sequence[Deadline] = ()
    ) -> None:
        """Store deadlines as pending; with `revive`, a cancelled one becomes pending again
        (a raised one stays raised: its alert exists, and its id would be the same).
        `raised` (with `revive`): stored the same way and then marked raised (`mark_raised`),
        in the same statement (a fact that is itself the problem)."""
        ...

    async def cancel(self, deadlines: Sequence[Deadline]) -> None:
        """Cancel those of the deadlines that are pending."""
        ...

    async def raised(self, pairs: Sequence[Pair]) -> dict[Pair, set[Deadline]]:
        """The deadlines of each pair marked raised (fixed or not: the subject knows)."""
        ...

    async def due(self, today: date, limit: int) -> list[tuple[Deadline, Subject]]:
        """Pending deadlines whose day has come, oldest first, with their subjects."""
        ...

    async def mark_raised(self, deadlines: Sequence[Deadline]) -> None:
        """Mark those of the deadlines that are pending as raised."""
        ...

    # --- statutory reports ---

    async def record_submission(self, ref: ReportRef) -> None: ...

    async def submitted(self, report_ids: Sequence[UUID]) -> set[UUID]:
        """Those of the reports that were submitted."""
        ...

    async def sync_obligations(self, wanted: Sequence[tuple[str, str, str]], since: date) -> None:
        """Make the obligations those of the settings; new ones are tracked from `since`."""
        ...

    async def obligations(self) -> list[tuple[Obligation, date | None]]:
        """Each obligation with the day its report deadlines are stored through."""
        ...

    async def stored_through(self, obligation: Obligation, through: date) -> None:
        """Note that the obligation's report deadlines are stored through `through`."""
        ...

    async def clear(self) -> None:
        """Forget every subject, pending or cancelled deadline and submission (a rebuild
        replays them); alerts stay: they are events, and so do the deadlines marked raised
        (their alerts exist: the replay finds them covered, and the sweep does not raise them
        again)."""
        ...


class AlertBooks(Protocol):
    def open(self) -> AbstractAsyncContextManager[AlertBook]:
        """A book in a transaction of its own that holds the alerts lock."""
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
    subject: UUID | None = None
    """The alerts of one worker file, foreign worker file, loan or report."""


class AlertReads(Protocol):
    async def list(self, query: AlertQuery) -> list[Alert]:
        """Newest first."""
        ...

    async def open_by_rule(self) -> dict[AlertRule, int]:
        """How many alerts of each rule are not resolved (rules with none are left out)."""
        ...
