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
from typing import TypeVar
from uuid import UUID

from lmis_reporting.adapters.facts_store import dump
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
        text = dump(facts)
        self._kept[id(facts)] = (facts, text)
        return text

    def take(self, facts: Facts) -> str:
        kept = self._kept.pop(id(facts), None)
        if kept is not None and kept[0] is facts:
            return kept[1]
        return dump(facts)

    def forget(self) -> None:
        self._kept = {}


_Version = tuple[_Key, tuple[str, Facts]]


def _stream_of(version: _Version) -> UUID:
    return version[0][0]


def _day_of(version: _Version) -> date:
    return version[0][1]


class MemoryFactHistory:
    """The `FactHistory` port over each stream's versions, by day."""

    def __init__(self, texts: FactsText | None = None) -> None:
        self._texts = texts or FactsText()
        self.versions: dict[tuple[UUID, date], tuple[str, Facts]] = {}
        self._days: dict[UUID, list[date]] = {}
        self._touched: set[Row] = set()

    async def record(self, versions: Sequence[FactVersion]) -> None:
        for v in versions:
            key = (v.stream_id, v.known_from)
            days = self._days.setdefault(v.stream_id, [])
            if key not in self.versions:
                at = bisect.bisect_left(days, v.known_from)
                days.insert(at, v.known_from)
                if at > 0:  # the version before it is now known until this day
                    self._touched.add((v.stream_id, days[at - 1]))
            self.versions[key] = (v.stream_type, v.facts)
            self._touched.add(key)

    def rows(self, keys: Collection[Row] | None) -> Iterable[Row]:
        """The rows of `keys` that exist, or all of them in the key's order (stream, day)."""
        if keys is None:
            yield from self._all_rows()
            return
        versions, text, by_stream = self.versions, self._texts.take, self._days
        for key in [k for k in keys if k in versions]:
            stream_id, known_from = key
            stream_type, facts = versions[key]
            days = by_stream[stream_id]
            at = bisect.bisect_right(days, known_from)
            until = days[at] if at < len(days) else None
            yield (stream_id, known_from, until, stream_type, facts.commune_code, text(facts))

    def _all_rows(self) -> Iterator[Row]:
        """Every row, from the versions sorted by stream alone (ids compare in C, pairs of id
        and day do not; a million look-ups in that order cost more than the sort): a stream's
        versions are then side by side, and each one's end is the next one's day."""
        text = self._texts.take
        ordered = sorted(self.versions.items(), key=_stream_of)
        count, start = len(ordered), 0
        while start < count:
            stream_id, end = ordered[start][0][0], start + 1
            while end < count and ordered[end][0][0] == stream_id:
                end += 1
            group = ordered[start:end]
            if len(group) > 1:
                group.sort(key=_day_of)
            for at, ((_, known_from), (stream_type, facts)) in enumerate(group, start=1):
                until = group[at][0][1] if at < len(group) else None
                yield (stream_id, known_from, until, stream_type, facts.commune_code, text(facts))
            start = end
        self._texts.forget()

    def handover(self) -> set[Row]:
        touched, self._touched = self._touched, set()
        return touched

    def export(self) -> tuple[object, ...]:
        """What `absorb` takes, in another process (a replay split by stream)."""
        return (self.versions, self._days)

    def absorb(self, exported: tuple[object, ...]) -> None:
        """Another replica's versions, of other streams."""
        versions, days = exported
        self.versions.update(versions)  # type: ignore[call-overload]
        self._days.update(days)  # type: ignore[call-overload]
