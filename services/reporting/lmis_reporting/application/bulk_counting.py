"""Counting in bulk, for a rebuild's replica: `counting.tally` with the rows as summed keys.

A rebuild counts a million events into dicts (`adapters/replica.py`); building an
`Increment` per row, merging them and adding them again took most of its counting time. This
folds the facts exactly as `tally` does and sums each row's deltas by key straight away
(`domain/compiled_rules.py`), per row and per row and recorded day. What it leaves is what
`tally` leaves: a row whose deltas cancel out within the batch is not there
(`merge` drops it), the facts' versions are the day's last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from lmis_reporting.domain.compiled_rules import Key, increment_keys
from lmis_reporting.domain.facts import Facts, evolve
from lmis_shared.events import EventPayload

RecordedKey = tuple[str, str, date, str, str, date]
"""A count row's key and the day its events were recorded on."""

Event = tuple[UUID, str, EventPayload, date]
"""An event to count: its stream's id and type, its payload, the day it was recorded on."""


@dataclass(frozen=True, slots=True)
class BulkTally:
    facts: dict[UUID, tuple[str, Facts]]
    """The streams whose facts changed: their type and their facts after the batch."""
    counts: dict[Key, int]
    """What the batch adds to each count row (none that adds nothing)."""
    versions: dict[tuple[UUID, date], tuple[str, Facts]]
    """The facts' versions: by stream and day, the stream's type and its day's last facts."""
    recorded: dict[RecordedKey, int]
    """What the batch adds to each count row per recorded day (none that adds nothing)."""


def bulk_tally(events: Sequence[Event], known: Mapping[UUID, Facts]) -> BulkTally:
    """Fold `events` (in order) into the streams' `known` facts and count each of them."""
    facts = dict(known)
    changed: dict[UUID, tuple[str, Facts]] = {}
    versions: dict[tuple[UUID, date], tuple[str, Facts]] = {}
    by_day: dict[tuple[Key, date], int] = {}
    for stream_id, stream_type, payload, day in events:
        before = facts.get(stream_id)
        after = evolve(before, payload)
        if after is not None and after is not before:
            facts[stream_id] = after
            changed[stream_id] = (stream_type, after)
            versions[(stream_id, day)] = (stream_type, after)
        for key, delta in increment_keys(payload, after):
            on_day = (key, day)
            by_day[on_day] = by_day.get(on_day, 0) + delta
    # each row's sum from its sums by day (far fewer than the rows counted: one sum per row
    # and day, where summing every row into both took a dict update more per row)
    counts: dict[Key, int] = {}
    for (key, _), delta in by_day.items():
        counts[key] = counts.get(key, 0) + delta
    return BulkTally(
        changed,
        {k: v for k, v in counts.items() if v},
        versions,
        {(*k, d): v for (k, d), v in by_day.items() if v},
    )
