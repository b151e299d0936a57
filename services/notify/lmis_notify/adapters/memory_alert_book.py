"""The alert book in memory, for a rebuild of the deadline projection (`deadline_rebuild.py`).

It implements the same `AlertBook` port (and the recruitment watch's `SignalBook`) as
`alert_book.PostgresAlertBook`, over dicts, so the rebuild runs the live use cases
(`Deadlines`, `RecruitmentWatch`) unchanged. It starts as `clear` leaves the tables: the alerts
and the deadlines marked raised, nothing else. It remembers which rows it wrote (for the
stage) and every alert change, in order, with its cause: alerts are events, appended at the
swap, not rows to copy.

Rows come out in the columns and forms the live adapter writes (`_alert_sql.py`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from lmis_notify.adapters import _alert_sql as q
from lmis_notify.application.ports import AlertChange, Pair
from lmis_notify.domain.alerts import Alert
from lmis_notify.domain.model import Cause, Deadline, Subject, report_id
from lmis_notify.domain.reports import Obligation
from lmis_shared.contracts.notify import AlertRule, ReportRef
from lmis_shared.processing.staging import Row

PENDING, RAISED, CANCELLED = "pending", "raised", "cancelled"
SUBJECTS, DEADLINES, SUBMISSIONS, SIGNALS = (
    "alert_subjects",
    "deadlines",
    "report_submissions",
    "recruitment_signals",
)

DeadlineKey = tuple[UUID, str, date]
"""(subject_id, rule, due_on): a `deadlines` row's key."""


def _key(d: Deadline) -> DeadlineKey:
    return (d.subject_id, d.rule.value, d.due_on)


class MemoryAlertBook:
    def __init__(self, alerts: Iterable[Alert] = (), raised: Iterable[Deadline] = ()) -> None:
        self._subjects: dict[UUID, Subject] = {}
        self._deadlines: dict[DeadlineKey, str] = {}
        self._of_pair: dict[tuple[UUID, str], set[date]] = {}
        self._alerts: dict[UUID, Alert] = {}
        self._unresolved: dict[tuple[UUID, str], set[UUID]] = {}
        self._submissions: dict[UUID, ReportRef] = {}
        self._signals: dict[UUID, dict[tuple[str, UUID], date]] = {}
        self.written: dict[str, set[Row]] = {t: set() for t in (SUBJECTS, DEADLINES, SUBMISSIONS)}
        self.written[SIGNALS] = set()
        self.changes: list[tuple[Cause, list[AlertChange]]] = []
        """The alert changes decided since the last `take_changes`, in order."""
        self.know(alerts, raised)

    def know(self, alerts: Iterable[Alert], raised: Iterable[Deadline]) -> None:
        """Take `alerts` as they are stored now, and mark `raised` raised (as the sweeper
        did): what the live tables say when the swap begins."""
        for alert in alerts:
            self._keep_alert(alert)
        for d in raised:
            self._put(_key(d), RAISED)

    def take_changes(self) -> list[tuple[Cause, list[AlertChange]]]:
        taken, self.changes = self.changes, []
        return taken

    # --- what the rules remember ----------------------------------------------------------

    async def subjects(self, ids: Iterable[UUID]) -> dict[UUID, Subject]:
        known = self._subjects
        return {i: known[i] for i in ids if i in known}

    async def save_subjects(self, subjects: Sequence[Subject], *, replace: bool = True) -> None:
        for s in subjects:
            if replace or s.id not in self._subjects:
                self._subjects[s.id] = s
                self.written[SUBJECTS].add((s.id,))

    # --- alerts -----------------------------------------------------------------------------

    async def alerts(self, ids: Iterable[UUID]) -> dict[UUID, Alert]:
        known = self._alerts
        return {i: known[i] for i in ids if i in known}

    async def open_alerts(self, pairs: Sequence[Pair]) -> dict[Pair, list[Alert]]:
        found: dict[Pair, list[Alert]] = {}
        for subject_id, rule in pairs:
            ids = self._unresolved.get((subject_id, rule.value))
            if ids:
                alerts = sorted((self._alerts[i] for i in ids), key=lambda a: (a.due_on, a.id))
                found[(subject_id, rule)] = alerts
        return found

    async def crowded(self, limit: int) -> list[Pair]:
        crowded = sorted(p for p, ids in self._unresolved.items() if len(ids) > 1)
        return [(s, AlertRule(r)) for s, r in crowded[:limit]]

    async def save_alerts(self, changes: Sequence[tuple[AlertChange, Cause]]) -> None:
        for change, cause in changes:  # kept by cause, a run of the same cause together
            if self.changes and self.changes[-1][0] == cause:
                self.changes[-1][1].append(change)
            else:
                self.changes.append((cause, [change]))
            self._keep_alert(change.after)

    def _keep_alert(self, alert: Alert) -> None:
        self._alerts[alert.id] = alert
        unresolved = self._unresolved.setdefault((alert.subject_id, alert.rule.value), set())
        if alert.resolved_at is None:
            unresolved.add(alert.id)
        else:
            unresolved.discard(alert.id)

    # --- deadlines ----------------------------------------------------------------------------

    def _put(self, key: DeadlineKey, status: str) -> None:
        self._deadlines[key] = status
        self._of_pair.setdefault(key[:2], set()).add(key[2])
        self.written[DEADLINES].add(key)

    async def set_deadlines(
        self, deadlines: Sequence[Deadline], *, revive: bool = True, raised: Sequence[Deadline] = ()
    ) -> None:
        for key in map(_key, [*deadlines, *raised]):
            status = self._deadlines.get(key)
            if status is None or (revive and status == CANCELLED):
                self._put(key, PENDING)
        await self.mark_raised(raised)

    async def cancel(self, deadlines: Sequence[Deadline]) -> None:
        self._move(deadlines, CANCELLED)

    async def mark_raised(self, deadlines: Sequence[Deadline]) -> None:
        self._move(deadlines, RAISED)

    def _move(self, deadlines: Sequence[Deadline], to: str) -> None:
        for key in map(_key, deadlines):
            if self._deadlines.get(key) == PENDING:
                self._put(key, to)

    async def raised(self, pairs: Sequence[Pair]) -> dict[Pair, set[Deadline]]:
        found: dict[Pair, set[Deadline]] = {}
        for subject_id, rule in pairs:
            days = self._of_pair.get((subject_id, rule.value), ())
            passed = {
                Deadline(rule, subject_id, day)
                for day in days
                if self._deadlines[(subject_id, rule.value, day)] == RAISED
            }
            if passed:
                found[(subject_id, rule)] = passed
        return found

    async def due(self, today: date, limit: int) -> list[tuple[Deadline, Subject]]:
        raise NotImplementedError("a rebuild replays events; the sweeper raises what is due")

    # --- statutory reports ------------------------------------------------------------------

    async def record_submission(self, ref: ReportRef) -> None:
        key = report_id(ref)
        if key not in self._submissions:
            self._submissions[key] = ref
            self.written[SUBMISSIONS].add((key,))

    async def submitted(self, report_ids: Sequence[UUID]) -> set[UUID]:
        return {i for i in report_ids if i in self._submissions}

    async def sync_obligations(self, wanted: Sequence[tuple[str, str, str]], since: date) -> None:
        raise NotImplementedError("the obligations are the sweeper's")

    async def obligations(self) -> list[tuple[Obligation, date | None]]:
        raise NotImplementedError("the obligations are the sweeper's")

    async def stored_through(self, obligation: Obligation, through: date) -> None:
        raise NotImplementedError("the obligations are the sweeper's")

    # --- recruitment signals ------------------------------------------------------------------

    async def record_signal(self, subject_id: UUID, kind: str, source_id: UUID, on: date) -> None:
        signals = self._signals.setdefault(subject_id, {})
        if (kind, source_id) not in signals:
            signals[(kind, source_id)] = on
            self.written[SIGNALS].add((subject_id, kind, source_id))

    async def count_signals(
        self, subject_id: UUID, kinds: Sequence[str], since: date, until: date
    ) -> int:
        signals = self._signals.get(subject_id, {})
        return sum(1 for (k, _), on in signals.items() if k in kinds and since <= on <= until)

    async def clear(self) -> None:
        for key in [k for k, status in self._deadlines.items() if status != RAISED]:
            del self._deadlines[key]
            self._of_pair[key[:2]].discard(key[2])
            self.written[DEADLINES].add(key)
        self.written[SUBJECTS] |= {(i,) for i in self._subjects}
        self.written[SUBMISSIONS] |= {(i,) for i in self._submissions}
        self.written[SIGNALS] |= {(s, *k) for s, signals in self._signals.items() for k in signals}
        self._subjects, self._submissions, self._signals = {}, {}, {}

    # --- the rows, as the live tables hold them -------------------------------------------------

    def rows(self, table: str, keys: Collection[Row] | None = None) -> Iterator[Row]:
        if table == SUBJECTS:
            subjects = [self._subjects[i] for i in asked(self._subjects, keys)]
            return zip(*q.subject_columns(subjects), strict=True) if subjects else iter(())
        if table == DEADLINES:
            d = self._deadlines
            return ((*k, d[k]) for k in asked(d, keys, whole=True))
        if table == SUBMISSIONS:
            s = self._submissions
            return ((i, s[i].kind, s[i].unit_code, s[i].period) for i in asked(s, keys))
        signals = {
            (subject_id, *key): on
            for subject_id, of_subject in self._signals.items()
            for key, on in of_subject.items()
        }
        return ((*k, signals[k]) for k in asked(signals, keys, whole=True))


def asked(known: Mapping[Any, Any], keys: Collection[Row] | None, whole: bool = False) -> list[Any]:
    """The keys of `known` that a stage asks for: all (`keys` None), or those of `keys` that
    exist (a row key of one column is that column, unless `whole`)."""
    if keys is None:
        return list(known)
    wanted = keys if whole else (k[0] for k in keys)
    return [k for k in wanted if k in known]
