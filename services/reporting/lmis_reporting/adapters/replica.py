"""The indicator projection in memory, for a rebuild (`lmis_shared.processing.rebuilding`).

The same counting use case as the live projection (`application/counting.py`) runs over
in-memory `StreamFacts` and `Counts`; their rows are then staged and swapped into
`indicator_counts` and `stream_facts`, in the columns and forms the live adapters write
(`indicator_store.py`, `facts_store.py`): the rebuilt tables are what live processing makes.
What was known at the end of each day (`history_store.py`) is rebuilt the same way, by
`replica_history.py`'s ports.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import ClassVar
from uuid import UUID

from lmis_reporting.adapters.facts_store import dump
from lmis_reporting.adapters.replica_history import (
    COUNTS_RECORDED,
    FACTS_HISTORY,
    MemoryFactHistory,
    MemoryRecordedCounts,
)
from lmis_reporting.application.counting import count
from lmis_reporting.application.ports import StreamEvent
from lmis_reporting.domain.facts import Facts
from lmis_reporting.domain.indicators import Increment
from lmis_shared.clock import VIETNAM_TZ
from lmis_shared.processing.replay import Replayed
from lmis_shared.processing.staging import Replica, Row, Table

COUNTS = Table(
    "indicator_counts", ("indicator", "unit_code", "period", "dimension", "dim_value"), ("value",)
)
FACTS = Table("stream_facts", ("stream_id",), ("stream_type", "commune_code", "facts"))


class MemoryStreamFacts:
    """The `StreamFacts` port over a dict; remembers which streams it wrote."""

    def __init__(self) -> None:
        self.facts: dict[UUID, tuple[str, Facts]] = {}
        self.touched: set[UUID] = set()

    async def load(self, stream_ids: Collection[UUID]) -> dict[UUID, Facts]:
        known = self.facts
        return {i: known[i][1] for i in stream_ids if i in known}

    async def save(self, facts: Mapping[UUID, tuple[str, Facts]]) -> None:
        self.facts.update(facts)
        self.touched.update(facts)


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


class IndicatorReplica(Replica):
    tables: ClassVar[tuple[Table, ...]] = (COUNTS, FACTS, COUNTS_RECORDED, FACTS_HISTORY)

    def __init__(self) -> None:
        self.facts = MemoryStreamFacts()
        self.counts = MemoryCounts()
        self.history = MemoryFactHistory()
        self.recorded = MemoryRecordedCounts()

    async def apply(self, events: Sequence[Replayed]) -> None:
        if events:
            new = [
                StreamEvent(
                    e.stream_id,
                    e.stream_type,
                    e.payload,
                    e.row["recorded_at"].astimezone(VIETNAM_TZ).date(),
                )
                for e in events
            ]
            await count(new, self.facts, self.counts, self.history, self.recorded)

    def rows(self, table: Table, keys: Collection[Row] | None = None) -> Iterable[Row]:
        if table is COUNTS_RECORDED:
            return self.recorded.rows(keys)
        if table is FACTS_HISTORY:
            return self.history.rows(keys)
        if table is COUNTS:
            values = self.counts.values
            wanted = values if keys is None else [k for k in keys if k in values]
            return ((*key, values[key]) for key in wanted)
        facts = self.facts.facts
        ids = facts if keys is None else [k[0] for k in keys if k[0] in facts]
        return ((i, facts[i][0], facts[i][1].commune_code, dump(facts[i][1])) for i in ids)  # type: ignore[index]

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
