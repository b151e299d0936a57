"""Another process's part of a split rebuild, kept as it exported it (`adapters/replica.py`).

A replay split by stream (`lmis_shared.processing.replay_parts`) hands each part's streams
back with their `stream_facts` and `stream_facts_history` rows already made (the facts dumped
to JSON in that process), by column, sorted by stream id. Putting half a million streams into
this process's dicts cost more than replaying them, measured; so the columns are kept as they
came: the rows are read straight off them for the stage or the first build (in the key's
order, as the live tables' indexes fill fastest), and a stream is looked up (binary search on
the sorted ids) only when this process applies a later event of it (events committed during
the replay): it is then taken out, into the replica's own dicts, and no longer read from here.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from datetime import date

from lmis_shared.processing.replay_parts import uuids
from lmis_shared.processing.staging import Row

DumpedFacts = tuple[str, str, str]
"""A `stream_facts` row but its id: stream type, commune code, the facts as JSON."""

DumpedVersion = tuple[str, str, str]
"""A `stream_facts_history` row but its key and end: stream type, commune code, facts as JSON."""

ExportedFacts = tuple[bytes, Sequence[str], Sequence[str], Sequence[str]]
"""The streams' facts in stream id order, by column: ids (packed), stream types, communes,
facts as JSON."""

ExportedHistory = tuple[bytes, Sequence[int], Sequence[str], Sequence[str], Sequence[str]]
"""The facts' versions in (stream, day) order, by column: stream ids (packed), days
(ordinals), stream types, communes, facts as JSON."""


def columns(rows: Sequence[tuple[object, ...]], width: int) -> tuple[Sequence[object], ...]:
    """`rows` as `width` columns (made in C: for half a million streams, one pass over the
    objects and a transpose cost half what a pass per column did, measured)."""
    return tuple(zip(*rows, strict=True)) if rows else ((),) * width


def _split(ids: bytes) -> list[bytes]:
    """Packed ids as a sorted list to search (bytes compare as PostgreSQL orders uuids)."""
    return [ids[i : i + 16] for i in range(0, len(ids), 16)]


class AbsorbedPart:
    """One part's streams: their facts and history rows, until a stream is `take`n."""

    def __init__(self, facts: ExportedFacts, history: ExportedHistory) -> None:
        self._facts = facts
        self._ids = _split(facts[0])
        self._history = history
        self._history_ids = _split(history[0])
        self._taken: set[bytes] = set()

    def take(self, stream_id: bytes) -> tuple[DumpedFacts, list[tuple[date, DumpedVersion]]] | None:
        """The stream's facts row and its versions by day, if the part holds it (and they
        are not read from here any more), else None."""
        ids = self._ids
        at = bisect.bisect_left(ids, stream_id)
        if at == len(ids) or ids[at] != stream_id or stream_id in self._taken:
            return None
        self._taken.add(stream_id)
        _, stream_types, communes, texts = self._facts
        _, ordinals, kinds, places, jsons = self._history
        first = bisect.bisect_left(self._history_ids, stream_id)
        end = bisect.bisect_right(self._history_ids, stream_id, first)
        versions = [
            (date.fromordinal(ordinals[k]), (kinds[k], places[k], jsons[k]))
            for k in range(first, end)
        ]
        return (stream_types[at], communes[at], texts[at]), versions

    def facts_rows(self) -> Iterator[Row]:
        """The `stream_facts` rows of the streams not taken, in id order."""
        _, stream_types, communes, texts = self._facts
        rows = zip(uuids(self._facts[0]), stream_types, communes, texts, strict=True)
        if not self._taken:
            yield from rows
            return
        taken = self._taken
        yield from (row for row in rows if row[0].bytes not in taken)

    def history_rows(self) -> Iterator[Row]:
        """The `stream_facts_history` rows of the streams not taken, in key order; each
        version is known until its stream's next one's day."""
        packed, ordinals, stream_types, communes, texts = self._history
        ids, keys, taken = uuids(packed), self._history_ids, self._taken
        days = [date.fromordinal(o) for o in ordinals]
        last = len(ids) - 1
        for k, stream_id in enumerate(ids):
            if taken and keys[k] in taken:
                continue
            until = days[k + 1] if k < last and keys[k + 1] == keys[k] else None
            yield (stream_id, days[k], until, stream_types[k], communes[k], texts[k])
