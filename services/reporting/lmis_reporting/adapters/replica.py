"""The indicator projection in memory, for a rebuild (`lmis_shared.processing.rebuilding`).

The same counting use case as the live projection (`application/counting.py`) runs over
in-memory `StreamFacts` and `Counts`; their rows are then staged and swapped into
`indicator_counts` and `stream_facts`, in the columns and forms the live adapters write
(`indicator_store.py`, `facts_store.py`): the rebuilt tables are what live processing makes.
What was known at the end of each day (`history_store.py`) is rebuilt the same way, by
`replica_history.py`'s ports.

Split across processes (`lmis_shared.processing.replay_parts`), each part exports its counts,
and its streams' facts and history rows encoded for COPY (`replica_parts.py`; the dumping to
JSON is done in parallel too, each facts object once), sorted by stream; the absorbing
replica encodes its own part so too, keeps them, and parses a stream's facts again only if a
later event of that stream comes, as the live projection parses the row it loads.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime
from itertools import chain
from typing import ClassVar, cast
from uuid import UUID

from lmis_reporting.adapters.facts_store import parse
from lmis_reporting.adapters.replica_history import (
    COUNTS_RECORDED,
    FACTS_HISTORY,
    FactsText,
    K,
    MemoryFactHistory,
    MemoryRecordedCounts,
)
from lmis_reporting.adapters.replica_parts import (
    AbsorbedPart,
    DumpedFacts,
    EncodedStreams,
    encode_rows,
    encode_streams,
)
from lmis_reporting.application.bulk_counting import bulk_tally
from lmis_reporting.domain.facts import Facts
from lmis_reporting.domain.indicators import Increment
from lmis_shared.clock import VIETNAM_TZ
from lmis_shared.processing.copy_binary import HEADER, TRAILER
from lmis_shared.processing.replay import Replayed
from lmis_shared.processing.staging import Replica, Row, Table

COUNTS = Table(
    "indicator_counts", ("indicator", "unit_code", "period", "dimension", "dim_value"), ("value",)
)
FACTS = Table("stream_facts", ("stream_id",), ("stream_type", "commune_code", "facts"))


_Exported = tuple[dict[Row, int], dict[Row, int], EncodedStreams]
"""`IndicatorReplica.export`: the counts, the counts by day recorded, the streams' facts and
history rows (`replica_parts.py`)."""


class MemoryStreamFacts:
    """The `StreamFacts` port over a dict; remembers which streams it wrote."""

    def __init__(self) -> None:
        self.facts: dict[UUID, tuple[str, Facts]] = {}
        self.dumped: dict[UUID, DumpedFacts] = {}
        """Streams taken from another process's part, not loaded since (none in `facts`)."""
        self.touched: set[UUID] = set()
        self.texts = FactsText()
        """Shared with the history's rows: a stream's facts are its last version's."""

    async def load(self, stream_ids: Collection[UUID]) -> dict[UUID, Facts]:
        known, dumped = self.facts, self.dumped
        found = {i: known[i][1] for i in stream_ids if i in known}
        if dumped:
            found |= {i: parse(dumped[i][0], dumped[i][2]) for i in stream_ids if i in dumped}
        return found

    def handed_over(self) -> None:
        """Forget the streams' facts: they are encoded in a part (`IndicatorReplica.prepare`)."""
        self.facts = {}
        self.texts.forget()

    async def save(self, facts: Mapping[UUID, tuple[str, Facts]]) -> None:
        self.facts.update(facts)
        self.touched.update(facts)
        if self.dumped:
            for i in facts:
                self.dumped.pop(i, None)

    def rows(self, ids: Iterable[UUID] | None = None) -> Iterable[Row]:
        """`stream_facts` rows: all (in the key's order: the live table's index is then filled
        from one end, measured twice as fast as in any order), or those of `ids` that exist."""
        facts, dumped, text = self.facts, self.dumped, self.texts.keep
        if ids is None:  # sorted as pairs by id, not looked up again in that order (slower)
            for i, (stream_type, f) in sorted(facts.items(), key=_first):
                yield i, stream_type, f.commune_code, text(f)
            yield from ((i, *row) for i, row in dumped.items())
            return
        for i in ids:
            if i in facts:
                stream_type, f = facts[i]
                yield i, stream_type, f.commune_code, text(f)
            elif i in dumped:
                yield (i, *dumped[i])


def _first(item: tuple[UUID, object]) -> UUID:
    return item[0]


class MemoryCounts:
    """The `Counts` port over a dict of row key -> value; remembers which rows it wrote."""

    def __init__(self) -> None:
        self.values: dict[tuple[object, ...], int] = {}
        self.touched: set[tuple[object, ...]] = set()

    async def add(self, increments: Sequence[Increment]) -> None:
        values = self.values
        for item in increments:
            key = item.key
            values[key] = values.get(key, 0) + item.delta
        self.touched.update(item.key for item in increments)

    def merge(self, deltas: Mapping[K, int]) -> None:
        """Add a batch's summed deltas, one per row."""
        values = self.values
        for key, delta in deltas.items():
            values[key] = values.get(key, 0) + delta
        self.touched.update(deltas)


def _vietnam_day(recorded_at: datetime) -> date:
    """The day an event was recorded on, in Vietnam's calendar (as the live projection says)."""
    return recorded_at.astimezone(VIETNAM_TZ).date()


class IndicatorReplica(Replica):
    tables: ClassVar[tuple[Table, ...]] = (COUNTS, FACTS, COUNTS_RECORDED, FACTS_HISTORY)
    context: ClassVar[Sequence[str]] = ("recorded_at",)

    def __init__(self) -> None:
        self.facts = MemoryStreamFacts()
        self.counts = MemoryCounts()
        self.history = MemoryFactHistory(self.facts.texts)
        self.recorded = MemoryRecordedCounts()
        self.parts: list[AbsorbedPart] = []
        """Other processes' parts (a split replay), in their ids' order, after this one's."""

    async def apply(self, events: Sequence[Replayed]) -> None:
        # the live use case's counting (`count`), its rows summed by key as they come
        # (`bulk_counting.py`, held equal to it by the rebuild-against-live tests)
        if not events:
            return
        new = []
        last: datetime | None = None
        for e in events:
            at = e.row["recorded_at"]
            if at != last:  # the events of one append, side by side, share it
                last, day = at, _vietnam_day(at)
            new.append((e.stream_id, e.stream_type, e.payload, day))
        streams = {e.stream_id for e in events}
        if self.parts:
            self._take(streams)
        counted = bulk_tally(new, await self.facts.load(streams))
        await self.facts.save(counted.facts)
        self.counts.merge(counted.counts)
        self.history.record_all(counted.versions)
        self.recorded.merge(counted.recorded)

    def _take(self, streams: Iterable[UUID]) -> None:
        """The streams of other processes' parts into this replica's own dicts."""
        for stream_id in streams:
            key = stream_id.bytes
            for part in self.parts:
                found = part.take(key)
                if found is not None:
                    self.facts.dumped[stream_id], versions = found
                    self.history.adopt(stream_id, versions)
                    break

    def rows(self, table: Table, keys: Collection[Row] | None = None) -> Iterable[Row]:
        if keys is not None and self.parts and table in (FACTS, FACTS_HISTORY):
            self._take({cast(UUID, k[0]) for k in keys})  # rows by key are read here
        if table is COUNTS_RECORDED:
            return self.recorded.rows(keys)
        if table is FACTS_HISTORY:
            if keys is None:  # the parts' streams after this one's, in the key's order
                return chain(self.history.rows(None), *(p.history_rows() for p in self.parts))
            return self.history.rows(keys)
        if table is COUNTS:
            values = self.counts.values
            wanted = values if keys is None else [k for k in keys if k in values]
            return ((*key, values[key]) for key in wanted)
        if keys is None:
            return chain(self.facts.rows(), *(p.facts_rows() for p in self.parts))
        return self.facts.rows([cast(UUID, k[0]) for k in keys])

    def touched(self, table: Table) -> set[Row]:
        if table is COUNTS_RECORDED:
            return self.recorded.handover()
        if table is FACTS_HISTORY:
            return self.history.handover()
        if table is COUNTS:
            touched, self.counts.touched = self.counts.touched, set()
            return touched
        ids, self.facts.touched = self.facts.touched, set()
        return {(i,) for i in ids}

    def encoded(self, table: Table) -> Iterable[bytes | memoryview] | None:
        if not self.parts or table not in (FACTS, FACTS_HISTORY):
            return None
        # the streams taken out of the parts (few: events during the replay), then the parts'
        if table is FACTS:
            own = encode_rows(len(FACTS.columns), self.facts.rows())
            return chain((HEADER, own), *(p.facts_encoded() for p in self.parts), (TRAILER,))
        own = encode_rows(len(FACTS_HISTORY.columns), self.history.rows(None))
        return chain((HEADER, own), *(p.history_encoded() for p in self.parts), (TRAILER,))

    def prepare(self) -> None:
        # this process's own streams encoded as the other parts' are, while they finish: the
        # swap then forwards every part's bytes
        own = self._encode_streams()
        self.parts.insert(0, AbsorbedPart(own))
        self.facts.handed_over()
        self.history.handed_over()

    def _encode_streams(self) -> EncodedStreams:
        return encode_streams(self.facts.facts, self.history.versions, self.history.days)

    def export(self) -> object:
        exported: _Exported = (self.counts.values, self.recorded.values, self._encode_streams())
        return exported

    def absorb(self, exported: object) -> None:
        counts, recorded, streams = cast(_Exported, exported)
        for mine, theirs in ((self.counts.values, counts), (self.recorded.values, recorded)):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value
        self.parts.append(AbsorbedPart(streams))
