"""A seeded history over half a year in which records arrive late and facts are replaced, for
the "as of a past day" tests (`test_as_of_exact.py`).

Each stream's events have business dates in order; each is recorded (`recorded_at`, the
event store's column) on its business day or, one time in three, days to weeks later, at any
hour of Vietnam's day (so a UTC day and Vietnam's differ for a quarter of them). Facts are
replaced: workers move commune and have their contracts extended, permits are extended and
revoked, loans restructured (a new schedule) and settled, alerts resolved.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid4

from lmis_shared.clock import VIETNAM_TZ
from lmis_shared.contracts import notify as n
from lmis_shared.contracts import registry as r
from lmis_shared.contracts import registry_loans as loans
from lmis_shared.events import EventPayload, RecordedEvent
from tests.integration.test_indicators_projection import recorded
from tests.unit import test_indicator_rules as example

COMMUNES = ("03637", "03640", "03595")
"""Communes of Lai Châu (12)."""
FIRST = date(2026, 1, 5)
LAST = date(2026, 7, 20)
"""No event is recorded after this day."""

Dated = tuple[EventPayload, date]
"""An event and its business day."""


def _after(rnd: random.Random, day: date, most: int = 40) -> date:
    return min(day + timedelta(days=rnd.randint(0, most)), LAST)


def worker(rnd: random.Random) -> list[Dated]:
    d = FIRST + timedelta(days=rnd.randint(0, 120))
    out: list[Dated] = [(example.registered(rnd.choice(COMMUNES), d, rnd.choice(list(r.Sex))), d)]
    if rnd.random() < 0.25:
        d = _after(rnd, d)
        out.append((example.moved(rnd.choice(COMMUNES)), d))
    if rnd.random() < 0.8:
        d = _after(rnd, d)
        signed = example.contract(rnd.choice(("KR", "JP", "TW", "LA")), d)
        out.append((signed, d))
        d = _after(rnd, d)
        out.append((example.departed(d), d))
        if rnd.random() < 0.3:
            d = _after(rnd, d)
            end = signed.end_date
            extended = r.WorkerContractExtended(
                previous_end_date=end, new_end_date=end.replace(year=end.year + 1)
            )
            out.append((extended, d))
        ending = rnd.random()
        if ending < 0.3:
            d = _after(rnd, d, 60)
            out.append((example.returned(d), d))
        elif ending < 0.5:
            d = _after(rnd, d, 60)
            out.append((example.absconded(d), d))
            d = _after(rnd, d)
            out.append((example.overstayed(d), d))
    return out


def loan(rnd: random.Random) -> list[Dated]:
    d = FIRST + timedelta(days=rnd.randint(0, 90))
    out: list[Dated] = [(example.loan_applied(rnd.choice(COMMUNES), d), d)]
    if rnd.random() < 0.2:
        return out
    d = _after(rnd, d, 10)
    out.append((example.loan_approved(d), d))
    d = _after(rnd, d, 10)
    first_due = _due(d + timedelta(days=30))
    out.append((example.loan_disbursed(d, first_due, 4), d))
    for _ in range(rnd.randint(0, 2)):
        d = _after(rnd, d, 35)
        out.append((example.repaid(d, 2_000_000), d))
    if rnd.random() < 0.4:  # a new schedule replaces the old one
        d = _after(rnd, d, 30)
        schedule = example.instalments(_due(d + timedelta(days=60)), 6, 2_000_000)
        restructured = loans.LoanRestructured(
            restructured_on=d,
            reason="thiên tai",
            term_months=6,
            annual_interest_rate_bp=1200,
            outstanding_vnd=12_000_000,
            carried_interest_vnd=0,
            credit_vnd=100_000,
            schedule=schedule,
        )
        out.append((restructured, d))
    if rnd.random() < 0.2:
        d = _after(rnd, d, 40)
        out.append((example.loan_settled(d), d))
    return out


def foreign_worker(rnd: random.Random) -> list[Dated]:
    d = FIRST + timedelta(days=rnd.randint(0, 90))
    out: list[Dated] = [
        (example.foreign_worker(rnd.choice(COMMUNES), rnd.choice(("KR", "CN", "JP")), "0101", d), d)
    ]
    if rnd.random() < 0.2:
        return [*out, (example.exemption(d, d + timedelta(days=rnd.randint(20, 120))), d)]
    expires = d + timedelta(days=rnd.randint(20, 90))
    out.append((example.permit_issued(d, expires, employer="0101"), d))
    later = rnd.random()
    if later < 0.4:  # the expiry moves: a stock judged before it changed must not see it
        on = _after(rnd, d, 20)
        out.append((example.permit_extended(expires, expires + timedelta(days=365), on), on))
    elif later < 0.6:
        on = _after(rnd, d, 60)
        out += [(example.permit_revoked(on), on), (example.employment_ended(on), on)]
    return out


def alert(rnd: random.Random) -> list[Dated]:
    d = FIRST + timedelta(days=rnd.randint(0, 150))
    rule = rnd.choice((n.AlertRule.absconded, n.AlertRule.permit_expired, n.AlertRule.loan_overdue))
    raised = n.AlertRaised(
        rule=rule,
        subject_id=uuid4(),
        subject_kind=n.SubjectKind.worker,
        unit_code=rnd.choice(COMMUNES),
        province_code="12",
        due_on=d,
        raised_at=_instant(rnd, d),
    )
    out: list[Dated] = [(raised, d)]
    if rnd.random() < 0.5:
        done = _after(rnd, d, 50)
        resolved = n.AlertResolved(
            rule=rule,
            subject_id=raised.subject_id,
            fixed_by="lmis.registry.worker.returned.v1",
            resolved_at=_instant(rnd, done),
        )
        out.append((resolved, done))
    return out


def _due(day: date) -> date:
    """A due day every month has (instalments fall on the same day of each month)."""
    return day.replace(day=min(day.day, 28))


def _instant(rnd: random.Random, day: date) -> datetime:
    """Some moment of Vietnam's `day`, in UTC."""
    moment = time(rnd.randint(0, 23), rnd.randint(0, 59), rnd.randint(0, 59))
    return datetime.combine(day, moment, VIETNAM_TZ).astimezone(UTC)


def recorded_stream(rnd: random.Random, events: list[Dated]) -> list[RecordedEvent]:
    """The stream's events as stored: recorded on their day or late, never before an earlier
    version (a stream is appended in order)."""
    stream, at = uuid4(), datetime.min.replace(tzinfo=UTC)
    out = []
    for version, (payload, day) in enumerate(events, start=1):
        if isinstance(payload, n.AlertRaised):  # notify records an alert's events at once
            moment = payload.raised_at
        elif isinstance(payload, n.AlertResolved):
            moment = payload.resolved_at
        else:
            late = rnd.randint(1, 45) if rnd.random() < 0.35 else 0
            moment = _instant(rnd, min(day + timedelta(days=late), LAST))
        at = max(at, moment)
        out.append(_recorded(stream, version, payload, at))
    return out


def _recorded(stream: UUID, version: int, payload: EventPayload, at: datetime) -> RecordedEvent:
    event = recorded(stream, version, payload)
    return event.model_copy(
        update={"metadata": event.metadata.model_copy(update={"recorded_at": at})}
    )


def history(seed: int, scale: int = 1) -> dict[str, list[RecordedEvent]]:
    """Per producing domain (registry, permits, notify): its streams' events (about 650 times
    `scale`)."""
    rnd = random.Random(seed)
    made = {
        "registry": ([worker] * 70 + [loan] * 25) * scale,
        "permits": [foreign_worker] * 30 * scale,
        "notify": [alert] * 30 * scale,
    }
    return {
        domain: [e for make in makers for e in recorded_stream(rnd, make(rnd))]
        for domain, makers in made.items()
    }
