"""Counting: what a batch of new events changes in the indicator counts and the streams' facts.

The projection (`adapters/indicator_store.py`) hands over only events new to it, in order,
inside the transaction that also moves its positions. Each event is folded into its stream's
facts (`domain/facts.py`) and counted with the facts as they stand after it
(`domain/indicators.py`): a `departed` event has no commune or sex of its own, its stream's
registration gave them. The batch's increments are merged into one per row; only the streams
whose facts changed are written back.

The same batch also feeds "as of a past day" (bitemporal): each event was recorded on a day
(Vietnam's calendar), so its increments are also kept per recorded day (`RecordedCounts`),
and each stream's facts at the end of every recorded day that changed them are kept as a
version valid until the next one (`FactHistory`). Summing the rows recorded up to day D and
reading the versions valid at D gives what this projection held at the end of D, exactly as
a projection fed only the events recorded up to D would (`tests/integration/test_as_of_exact.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from lmis_reporting.application.ports import (
    Counts,
    FactHistory,
    FactVersion,
    RecordedCounts,
    RecordedIncrement,
    StreamEvent,
    StreamFacts,
)
from lmis_reporting.domain.facts import Facts, evolve
from lmis_reporting.domain.indicators import Increment, increments

RowKey = tuple[str, str, date, str, str]
"""A count row's key: indicator, unit, month, breakdown and its value (`Increment.key`)."""


@dataclass(frozen=True)
class Tally:
    facts: dict[UUID, tuple[str, Facts]]
    """The streams whose facts changed: their type and their facts after the batch."""
    increments: list[Increment]
    """What the batch adds to the counts, one increment per row."""
    versions: list[FactVersion] = field(default_factory=list)
    """Per stream and recorded day that changed its facts: the facts at the day's end."""
    recorded: list[RecordedIncrement] = field(default_factory=list)
    """The increments per row and recorded day."""


def tally(events: Sequence[StreamEvent], known: Mapping[UUID, Facts]) -> Tally:
    """Fold `events` (in order) into the streams' `known` facts and count each of them."""
    facts = dict(known)
    changed: dict[UUID, tuple[str, Facts]] = {}
    versions: dict[tuple[UUID, date], FactVersion] = {}
    # the deltas summed per row as they come (what `merge` makes of the batch's increments,
    # in one pass over them: a batch has many increments to few rows)
    totals: dict[RowKey, int] = {}
    by_day: dict[date, dict[RowKey, int]] = {}
    for e in events:
        before = facts.get(e.stream_id)
        after = evolve(before, e.payload)
        if after is not None and after is not before:
            facts[e.stream_id] = after
            changed[e.stream_id] = (e.stream_type, after)
            if e.recorded_on is not None:  # the day's last facts win
                key = (e.stream_id, e.recorded_on)
                versions[key] = FactVersion(e.stream_id, e.stream_type, e.recorded_on, after)
        counted = increments(e.payload, after)
        if not counted:
            continue
        day = None if e.recorded_on is None else by_day.setdefault(e.recorded_on, {})
        for item in counted:
            row = item.key
            totals[row] = totals.get(row, 0) + item.delta
            if day is not None:
                day[row] = day.get(row, 0) + item.delta
    recorded = [
        RecordedIncrement(recorded_on, item)
        for recorded_on, rows in by_day.items()
        for item in _increments(rows)
    ]
    return Tally(changed, _increments(totals), list(versions.values()), recorded)


def _increments(deltas: Mapping[RowKey, int]) -> list[Increment]:
    """One increment per row; rows whose deltas cancel out are left out (as `merge` does)."""
    return [Increment(*row, delta) for row, delta in deltas.items() if delta != 0]


async def count(
    events: Sequence[StreamEvent],
    facts: StreamFacts,
    counts: Counts,
    history: FactHistory | None = None,
    recorded: RecordedCounts | None = None,
) -> Tally:
    """Count `events` against the stored facts of their streams and store what changed (and,
    given `history` and `recorded`, what was known at the end of each recorded day)."""
    known = await facts.load({e.stream_id for e in events})
    counted = tally(events, known)
    await facts.save(counted.facts)
    await counts.add(counted.increments)
    if history is not None:
        await history.record(counted.versions)
    if recorded is not None:
        await recorded.add(counted.recorded)
    return counted
