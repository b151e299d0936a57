"""The event half of notify: what each registry, permits or report event means for the
deadlines and alerts of its stream, written through an `AlertBook` (one transaction that holds
the alerts lock; the deadline projection hands one over, with each batch of new events).

Each event goes through the pure rules (`domain/rules.py`); what they decide is stored: fixes
cancel deadlines, new deadlines wait for the sweeper (`sweeper.py`, the clock half), and a fact
that is itself the problem (an absconding) is raised at once.

One problem, one alert: the deadlines of a subject and rule that have passed (raised) and are
not fixed are covered by ONE open alert (`settle`): the first to pass raises it (its id comes
from that deadline), the next ones update it (`alert.updated`: how many, and for a loan the
amount overdue), and it resolves when a fix leaves none. Raising, updating and resolving go
through the alert aggregate's `decide` (`domain/alerts.py`), with the alerts as the book holds
them: an alert that exists is not raised again, figures that did not change are not written.

A rebuild replays facts over alerts that are already stored with their last figures: a fix
only touches an open alert that began no later than what it fixes (the extension of an old
permit never resolves the alert of its successor), and a fix never raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from uuid import UUID

from lmis_notify.application.ports import AlertBook, AlertChange, Pair
from lmis_notify.domain import alerts
from lmis_notify.domain.alerts import (
    Alert,
    AlertCommand,
    RaiseAlert,
    ResolveAlert,
    UpdateAlert,
)
from lmis_notify.domain.model import Cause, Deadline, Decision, Figures, Subject
from lmis_notify.domain.rules import RuleSettings, decide, figures
from lmis_shared.clock import Clock
from lmis_shared.contracts.notify import AlertUpdated
from lmis_shared.events import EventMetadata, EventPayload

MERGED = AlertUpdated.event_type
"""What resolved an older open alert of a problem that has one already: merged into it."""


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
        run: list[tuple[Decision, Cause]] = []
        in_run: set[UUID] = set()  # the subjects of `run`, looked up once per event
        for meta, payload in events:
            decision = decide(subjects.get(meta.stream_id), meta.stream_id, payload, self._rules)
            if decision is None:
                continue
            subjects[meta.stream_id] = changed[meta.stream_id] = decision.subject
            if not _writes(decision):
                continue  # only the subject changed (a registration): saved with the others
            if decision.subject.id in in_run:
                await _store(book, run)  # its subject again: what came before is stored first
                run, in_run = [], set()
            in_run.add(decision.subject.id)
            cause = Cause(
                actor=meta.actor,  # whoever recorded the fact caused what it settles
                correlation_id=meta.correlation_id,
                at=now,
                event_id=meta.event_id,
                event_type=meta.event_type,
                traceparent=meta.traceparent,
            )
            run.append((decision, cause))
        await _store(book, run)
        await book.save_subjects(list(changed.values()))


def _writes(decision: Decision) -> bool:
    """Whether the decision touches deadlines, alerts or submissions (what `_store` writes);
    one that does not only changes its subject, which is saved at the end of the batch."""
    return bool(
        decision.fixes
        or decision.deadlines
        or decision.raise_now
        or decision.refresh
        or decision.report_submitted is not None
    )


async def _store(book: AlertBook, run: Sequence[tuple[Decision, Cause]]) -> None:
    """What a run of events, each of another subject, means: as if one after the other, in
    as many statements as one event takes (subjects share no deadline and no alert, so one
    subject's writes never change what another's read): fixes first, then the deadlines they
    set, then the open alerts of what they touched brought in line (`settle`)."""
    if not run:
        return
    decisions = [d for d, _ in run]
    await book.cancel([f for d in decisions for f in d.fixes])
    await book.set_deadlines(
        [x for d in decisions for x in d.deadlines],
        raised=[x for d in decisions for x in d.raise_now],
    )
    subjects = {d.subject.id: d.subject for d in decisions}
    causes = {d.subject.id: c for d, c in run}
    now = {(x.subject_id, x.rule) for d in decisions for x in d.raise_now}
    touched = {(f.subject_id, f.rule) for d in decisions for f in d.fixes}
    touched |= {(d.subject.id, r) for d in decisions for r in d.refresh}
    fixed = [f for d in decisions for f in d.fixes]
    await settle(book, subjects, touched - now, run[0][1], fixed=fixed, causes=causes)
    await settle(book, subjects, now, run[0][1], may_raise=True, causes=causes)
    for d in decisions:
        if d.report_submitted is not None:
            await book.record_submission(d.report_submitted)


async def raise_alerts(
    book: AlertBook, items: Sequence[tuple[Deadline, Subject]], cause: Cause
) -> int:
    """The deadlines have passed: mark them raised and settle their rules' alerts (one open
    alert per subject and rule, raised or updated). Returns how many alerts are new."""
    if not items:
        return 0
    await book.mark_raised([d for d, _ in items])
    subjects = {s.id: s for _, s in items}
    pairs = {(d.subject_id, d.rule) for d, _ in items}
    return await settle(book, subjects, pairs, cause, may_raise=True)


async def settle(
    book: AlertBook,
    subjects: Mapping[UUID, Subject],
    pairs: Iterable[Pair],
    cause: Cause,
    *,
    may_raise: bool = False,
    fixed: Sequence[Deadline] | None = None,
    causes: Mapping[UUID, Cause] | None = None,
) -> int:
    """Make each (subject, rule)'s open alert say what its passed deadlines (raised, not fixed)
    are now: updated, resolved when none is left, raised if there is none and `may_raise`
    (time or a fact that is itself the problem; a fix never raises). With `fixed` (what an
    event fixed), only an alert that began no later than something fixed or passed is
    touched: in a replay, an earlier problem's fix meets the alerts stored since. Older open
    alerts of
    the same problem (stored one per deadline before this rule) are merged into the oldest.
    `causes`: each subject's own cause, where several are settled at once (`cause` for the
    others). Returns how many alerts are new."""
    wanted = sorted(set(pairs))
    if not wanted:
        return 0
    raised, opened = await book.raised(wanted), await book.open_alerts(wanted)
    commands: list[tuple[Alert | None, UUID, AlertCommand]] = []
    to_raise: list[tuple[Deadline, Subject, Figures]] = []
    cause_of = causes or {}
    for pair in wanted:
        subject = subjects[pair[0]]
        why = cause_of.get(pair[0], cause)
        passed = sorted(d for d in raised.get(pair, ()) if d in subject.deadlines)
        found = opened.get(pair, [])
        if not found:
            if passed and may_raise:
                to_raise.append((passed[0], subject, figures(subject, pair[1], passed)))
            continue
        keeper, older = found[0], found[1:]
        if fixed is not None:
            concerned = [*passed, *(d for d in fixed if (d.subject_id, d.rule) == pair)]
            if all(d.due_on < keeper.due_on for d in concerned):
                continue  # an earlier problem's fix (a replay meets later alerts stored)
        commands += [(a, a.id, ResolveAlert(MERGED)) for a in older]
        if passed:
            update = UpdateAlert(figures(subject, pair[1], passed), why.event_type)
            commands.append((keeper, keeper.id, update))
        else:
            commands.append((keeper, keeper.id, ResolveAlert(why.event_type or "unknown")))
    existing = await book.alerts(d.alert_id for d, _, _ in to_raise) if to_raise else {}
    commands += [
        (existing.get(d.alert_id), d.alert_id, RaiseAlert(d, s, f)) for d, s, f in to_raise
    ]
    changes = _decided(commands, cause)
    # each alert's events carry its own subject's cause, all saved at once
    await book.save_alerts([(c, cause_of.get(c.after.subject_id, cause)) for c in changes])
    return sum(1 for c in changes if c.before is None)


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
