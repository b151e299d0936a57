"""The event half of notify: what each registry, permits or report event means for the
deadlines and alerts of its stream, written through an `AlertBook` (one transaction that holds
the alerts lock; the deadline projection hands one over, with each batch of new events).

Each event goes through the pure rules (`domain/rules.py`); what they decide is stored: fixes
resolve alerts and cancel deadlines, new deadlines wait for the sweeper (`sweeper.py`, the clock
half), and a fact that is itself the problem (an absconding) is raised at once. Raising and
resolving go through the alert aggregate's `decide` (`domain/alerts.py`), with the alerts as the
book holds them: an alert that exists is not raised again, one resolved is not resolved again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

from lmis_notify.application.ports import AlertBook, AlertChange
from lmis_notify.domain import alerts
from lmis_notify.domain.alerts import Alert, AlertCommand, RaiseAlert, ResolveAlert
from lmis_notify.domain.model import Cause, Deadline, Decision, Subject
from lmis_notify.domain.rules import RuleSettings, decide
from lmis_shared.clock import Clock
from lmis_shared.events import EventMetadata, EventPayload


class Deadlines:
    """Applies new events (each once: the caller skips what it applied before)."""

    def __init__(self, rules: RuleSettings, clock: Clock) -> None:
        self._rules = rules
        self._clock = clock

    async def apply(
        self, book: AlertBook, events: Sequence[tuple[EventMetadata, EventPayload]]
    ) -> None:
        subjects = await book.subjects({meta.stream_id for meta, _ in events})
        changed: dict[UUID, Subject] = {}
        now = self._clock.now()
        for meta, payload in events:
            decision = decide(subjects.get(meta.stream_id), meta.stream_id, payload, self._rules)
            if decision is None:
                continue
            subjects[meta.stream_id] = changed[meta.stream_id] = decision.subject
            cause = Cause(
                actor=meta.actor,  # whoever recorded the fact caused what it settles
                correlation_id=meta.correlation_id,
                at=now,
                event_id=meta.event_id,
                event_type=meta.event_type,
                traceparent=meta.traceparent,
            )
            await _store(book, decision, cause)
        await book.save_subjects(list(changed.values()))


async def _store(book: AlertBook, decision: Decision, cause: Cause) -> None:
    """What one event means: fixes first, then the deadlines it sets."""
    await resolve_alerts(book, decision.fixes, cause)
    await book.set_deadlines((*decision.deadlines, *decision.raise_now))
    await raise_alerts(book, [(d, decision.subject) for d in decision.raise_now], cause)
    if decision.report_submitted is not None:
        await book.record_submission(decision.report_submitted)


async def raise_alerts(
    book: AlertBook, items: Sequence[tuple[Deadline, Subject]], cause: Cause
) -> int:
    """Raise the alert of each deadline unless it exists; mark the deadlines raised.
    Returns how many alerts are new."""
    if not items:
        return 0
    fresh = {d.alert_id: (d, s) for d, s in items}
    existing = await book.alerts(fresh)
    changes = _decided(
        (
            (existing.get(alert_id), alert_id, RaiseAlert(d, s))
            for alert_id, (d, s) in fresh.items()
        ),
        cause,
    )
    await book.save_alerts(changes, cause)
    await book.mark_raised([d for d, _ in items])
    return len(changes)


async def resolve_alerts(book: AlertBook, fixes: Sequence[Deadline], cause: Cause) -> int:
    """Cancel the deadlines if pending and resolve their alerts if open; returns how many
    alerts were resolved."""
    if not fixes:
        return 0
    found = await book.alerts(d.alert_id for d in fixes)
    fixed_by = ResolveAlert(cause.event_type or "unknown")
    changes = _decided(((a, a.id, fixed_by) for a in sorted(found.values(), key=_id)), cause)
    await book.save_alerts(changes, cause)
    await book.cancel(fixes)
    return len(changes)


def _decided(
    commands: Iterable[tuple[Alert | None, UUID, AlertCommand]], cause: Cause
) -> list[AlertChange]:
    changes = []
    for state, alert_id, command in commands:
        events = alerts.decide(state, command, cause.at)
        if events:
            after = alerts.AGGREGATE.fold_more(state, alert_id, events)
            changes.append(AlertChange(state, tuple(events), after))
    return changes


def _id(alert: Alert) -> UUID:
    return alert.id
