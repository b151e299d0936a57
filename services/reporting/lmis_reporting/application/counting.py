"""Counting: what a batch of new events changes in the indicator counts and the streams' facts.

The projection (`adapters/indicator_store.py`) hands over only events new to it, in order,
inside the transaction that also moves its positions. Each event is folded into its stream's
facts (`domain/facts.py`) and counted with the facts as they stand after it
(`domain/indicators.py`): a `departed` event has no commune or sex of its own, its stream's
registration gave them. The batch's increments are merged into one per row; only the streams
whose facts changed are written back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from lmis_reporting.application.ports import Counts, StreamEvent, StreamFacts
from lmis_reporting.domain.facts import Facts, evolve
from lmis_reporting.domain.indicators import Increment, increments, merge


@dataclass(frozen=True)
class Tally:
    facts: dict[UUID, tuple[str, Facts]]
    """The streams whose facts changed: their type and their facts after the batch."""
    increments: list[Increment]
    """What the batch adds to the counts, one increment per row."""


def tally(events: Sequence[StreamEvent], known: Mapping[UUID, Facts]) -> Tally:
    """Fold `events` (in order) into the streams' `known` facts and count each of them."""
    facts = dict(known)
    changed: dict[UUID, tuple[str, Facts]] = {}
    found: list[Increment] = []
    for e in events:
        before = facts.get(e.stream_id)
        after = evolve(before, e.payload)
        if after is not None and after is not before:
            facts[e.stream_id] = after
            changed[e.stream_id] = (e.stream_type, after)
        found.extend(increments(e.payload, after))
    return Tally(changed, merge(found))


async def count(events: Sequence[StreamEvent], facts: StreamFacts, counts: Counts) -> Tally:
    """Count `events` against the stored facts of their streams and store what changed."""
    known = await facts.load({e.stream_id for e in events})
    counted = tally(events, known)
    await facts.save(counted.facts)
    await counts.add(counted.increments)
    return counted
