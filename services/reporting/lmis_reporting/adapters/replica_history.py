"""What was known at the end of each day, in memory, for a rebuild (`adapters/replica.py`).

The in-memory `RecordedCounts` and `FactHistory` ports, and their rows in the columns and
forms the live adapters write (`history_store.py`): a version's `known_until` is its stream's
next version's day, worked out when the rows are staged, so adding a version touches the one
before it too.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import TypeVar, cast
from uuid import UUID

from lmis_reporting.adapters.facts_store import dump
from lmis_reporting.adapters.replica_parts import DumpedVersion, stream_of
from lmis_reporting.application.ports import FactVersion, RecordedIncrement
from lmis_reporting.domain.facts import Facts
from lmis_shared.processing.staging import Row, Table

COUNTS_RECORDED = Table(
    "indicator_counts_recorded",
    ("indicator", "unit_code", "period", "dimension", "dim_value", "recorded_on"),
    ("value",),
)
FACTS_HISTORY = Table(
    "stream_facts_history",
    ("stream_id", "known_from"),
    ("known_until", "stream_type", "commune_code", "facts"),
)


_Key = tuple[UUID, date]
"""A version's: its stream and the day it is known from."""

K = TypeVar("K", bound=Row)
"""A count row's key (with its recorded day or not)."""


class MemoryRecordedCounts:
    """The `RecordedCounts` port over a dict of row key -> value."""

    def __init__(self) -> None:
        self.values: dict[Row, int] = {}
        self._touched: set[Row] = set()

    async def add(self, increments: Sequence[RecordedIncrement]) -> None:
        values, touched = self.values, self._touched
        for item in increments:
            key = (*item.increment.key, item.recorded_on)
            values[key] = values.get(key, 0) + item.increment.delta
            touched.add(key)

    def merge(self, deltas: Mapping[K, int]) -> None:
        """Add a batch's summed deltas, one per row and recorded day."""
        values = self.values
        for key, delta in deltas.items():
            values[key] = values.get(key, 0) + delta
        self._touched.update(deltas)

    def rows(self, keys: Collection[Row] | None) -> Iterable[Row]:
        values = self.values
        wanted = values if keys is None else [k for k in keys if k in values]
        return ((*key, values[key]) for key in wanted)

    def handover(self) -> set[Row]:
        touched, self._touched = self._touched, set()
        return touched


class FactsText:
    """Facts as the tables hold them (JSON), each facts object dumped once: a stream's facts
    (`stream_facts`) are the same object as its last version's (`stream_facts_history`), and
    dumping was a third of writing the rows. `keep` remembers the text until `take` asks for
    it once; an object is known by identity (it is held meanwhile, so its id is not reused)."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[Facts, str]] = {}

    def keep(self, facts: Facts) -> str:
        kept = self._kept.get(id(facts))
        if kept is not None and kept[0] is facts:
            return kept[1]
        text = dump(facts)
        self._kept[id(facts)] = (facts, text)
        return text

    def prepare(self, facts: Iterable[Facts]) -> None:
        """Dump `facts` ahead of their rows (kept until taken, or `forget`)."""
        self._kept.update((id(f), (f, dump(f))) for f in facts)

    def take(self, facts: Facts) -> str:
        kept = self._kept.pop(id(facts), None)
        if kept is not None and kept[0] is facts:
            return kept[1]
        return dump(facts)

    def forget(self) -> None:
        self._kept = {}


class MemoryFactHistory:
    """The `FactHistory` port over each stream's versions, by day."""

    def __init__(self, texts: FactsText | None = None) -> None:
        self._texts = texts or FactsText()
        self.versions: dict[tuple[UUID, date], tuple[str, Facts]] = {}
        self.dumped: dict[tuple[UUID, date], DumpedVersion] = {}
        """Versions taken from another process's part (`adopt`), not recorded since."""
        self.days: dict[UUID, list[date]] = {}
        self._touched: set[Row] = set()

    async def record(self, versions: Sequence[FactVersion]) -> None:
        self.record_all({(v.stream_id, v.known_from): (v.stream_type, v.facts) for v in versions})

    def record_all(self, versions: Mapping[_Key, tuple[str, Facts]]) -> None:
        """`record`, the versions by stream and day (as `bulk_tally` leaves them)."""
        mine, dumped, by_stream, touched = self.versions, self.dumped, self.days, self._touched
        for key, version in versions.items():
            stream_id, known_from = key
            if key not in mine and (not dumped or dumped.pop(key, None) is None):
                days = by_stream.setdefault(stream_id, [])
                at = bisect.bisect_left(days, known_from)
                days.insert(at, known_from)
                if at > 0:  # the version before it is now known until this day
                    touched.add((stream_id, days[at - 1]))
            mine[key] = version
        touched.update(versions)

    def adopt(self, stream_id: UUID, versions: Sequence[tuple[date, DumpedVersion]]) -> None:
        """A stream taken from another process's part, its versions in day order."""
        self.days[stream_id] = [day for day, _ in versions]
        self.dumped.update(((stream_id, day), row) for day, row in versions)

    def _until(self, stream_id: UUID, known_from: date) -> date | None:
        """The day the stream's next version is known from, if any."""
        days = self.days[stream_id]
        if len(days) == 1:
            return None
        at = bisect.bisect_right(days, known_from)
        return days[at] if at < len(days) else None

    def rows(self, keys: Collection[Row] | None) -> Iterable[Row]:
        """The rows of `keys` that exist, or all of them (see `_all_rows`)."""
        if keys is None:
            yield from self._all_rows()
            return
        versions, dumped, text, until = self.versions, self.dumped, self._texts.take, self._until
        for key in keys:
            stream_id, known_from = cast(_Key, key)
            if key in versions:
                stream_type, facts = versions[key]
                row = (stream_type, facts.commune_code, text(facts))
            elif key in dumped:
                row = dumped[key]
            else:
                continue
            yield (stream_id, known_from, until(stream_id, known_from), *row)

    def _all_rows(self) -> Iterator[Row]:
        """Every row, the versions sorted by stream alone (ids compare in C, pairs of id and
        day do not; the live table's index fills fastest in the key's order)."""
        text, until, by_stream = self._texts.take, self._until, self.days
        for (stream_id, known_from), (stream_type, facts) in sorted(
            self.versions.items(), key=stream_of
        ):
            # most streams have one version: known until no day, no search
            end = None if len(by_stream[stream_id]) == 1 else until(stream_id, known_from)
            yield (stream_id, known_from, end, stream_type, facts.commune_code, text(facts))
        for (stream_id, known_from), row in self.dumped.items():
            yield (stream_id, known_from, until(stream_id, known_from), *row)
        self._texts.forget()

    def handover(self) -> set[Row]:
        touched, self._touched = self._touched, set()
        return touched

    def handed_over(self) -> None:
        """Forget the versions: they are encoded in a part (`IndicatorReplica.prepare`)."""
        self.versions, self.days = {}, {}
