"""In-memory fakes of the reporting service's ports (`lmis_reporting.application.ports`),
shared by its unit tests."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any
from uuid import UUID

from lmis_reporting.domain.facts import Facts
from lmis_reporting.domain.indicators import Increment, merge
from lmis_reporting.domain.targets import Target, TargetState
from lmis_reporting.domain.units import Hierarchy, Unit
from lmis_shared.commands import Change
from lmis_shared.contracts.reporting import TargetComparison

LAI_CHAU = Unit("12", "Lai Châu", "province", None, "current", "12")
MUONG_KIM = Unit("03637", "Xã Mường Kim", "commune", "12", "current", "12")
KHOEN_ON = Unit("03640", "Xã Khoen On", "commune", "12", "current", "12")


class FakeUnits:
    def __init__(self, units: Iterable[Unit] = (LAI_CHAU, MUONG_KIM, KHOEN_ON)) -> None:
        self.units = list(units)

    async def get(self, hierarchy: Hierarchy, code: str) -> Unit | None:
        return next((u for u in self.units if (u.hierarchy, u.code) == (hierarchy, code)), None)

    async def children(self, hierarchy: Hierarchy, parent_code: str | None) -> list[Unit]:
        return [u for u in self.units if (u.hierarchy, u.parent_code) == (hierarchy, parent_code)]

    async def ancestors(self, hierarchy: Hierarchy, code: str) -> list[Unit]:
        return []


class FakeMarkets:
    def __init__(self, high_income: Mapping[str, frozenset[str]] | None = None) -> None:
        self._lists = high_income or {}

    async def high_income(self, province_code: str) -> frozenset[str]:
        return self._lists.get(province_code, frozenset())


class FakeFacts:
    """A facts port with no streams."""

    async def facts_under(
        self, stream_type: str, hierarchy: Hierarchy, unit_code: str
    ) -> list[tuple[str | None, Facts]]:
        return []


def target(
    value: float = 450,
    year: int = 2025,
    first_year: int | None = None,
    indicator: str = "departed",
    comparison: TargetComparison = TargetComparison.at_least,
    unit_code: str = "12",
) -> Target:
    return Target(
        indicator=indicator,
        hierarchy="current",
        unit_code=unit_code,
        year=year,
        first_year=first_year if first_year is not None else year,
        value=value,
        comparison=comparison,
        source="29-CTr/TU",
    )


class FakeTargets:
    """The targets' rows: the `TargetReader` port, and the read model the command path writes
    them through (`EventStoreStreams(store, fake)`), as `TargetRows` does in PostgreSQL."""

    def __init__(self, *targets: Target) -> None:
        self.rows = {self._key(t): t for t in targets}
        self.reads_lag = False
        """Answer `find` with the version before: another officer's change came in between."""

    @staticmethod
    def _key(t: Target) -> tuple[str, str, str, int]:
        return (t.indicator, t.hierarchy, t.unit_code, t.year)

    async def find(
        self, indicator: str, hierarchy: Hierarchy, unit_code: str, year: int
    ) -> Target | None:
        found = self.rows.get((indicator, hierarchy, unit_code, year))
        if found is not None and self.reads_lag:
            return replace(found, value=-1, version=found.version - 1)
        return found

    async def list(self, hierarchy: Hierarchy, unit_code: str, year: int | None) -> list[Target]:
        return [
            t
            for t in self.rows.values()
            if (t.hierarchy, t.unit_code) == (hierarchy, unit_code) and year in (None, t.year)
        ]

    async def guard(self, connection: Any, change: Change[TargetState]) -> None:
        return None

    async def apply(self, connection: Any, change: Change[TargetState]) -> None:
        row = change.after.target(change.context.actor, change.context.recorded_at)
        self.rows[self._key(row)] = row


class MemoryFacts:
    """The `StreamFacts` port in a dict: stream id -> (stream type, facts)."""

    def __init__(self) -> None:
        self.streams: dict[UUID, tuple[str, Facts]] = {}
        self.saved: list[dict[UUID, tuple[str, Facts]]] = []
        """What each call of `save` was given."""

    async def load(self, stream_ids: Collection[UUID]) -> dict[UUID, Facts]:
        return {s: self.streams[s][1] for s in stream_ids if s in self.streams}

    async def save(self, facts: Mapping[UUID, tuple[str, Facts]]) -> None:
        self.saved.append(dict(facts))
        self.streams.update(facts)


class MemoryCounts:
    """The `Counts` port in a list, one increment per row."""

    def __init__(self) -> None:
        self.rows: list[Increment] = []
        self.added: list[Sequence[Increment]] = []
        """Each call's increments, as given."""

    async def add(self, increments: Sequence[Increment]) -> None:
        self.added.append(increments)
        self.rows = merge([*self.rows, *increments])
