"""What the reporting use cases need from the outside world, as Protocols and plain values.

Read side (the API): administrative units, the projection's counts and facts summed under a
unit, each province's high-income markets, and the targets' rows. Consuming side (the
processor): the per-stream facts and the counts a batch of events changes. `adapters/` holds
the PostgreSQL implementations; unit tests hand in fakes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

from lmis_reporting.domain.facts import Facts
from lmis_reporting.domain.filings import Filing
from lmis_reporting.domain.indicators import TOTAL, Increment
from lmis_reporting.domain.targets import Target
from lmis_reporting.domain.units import Hierarchy, Unit
from lmis_shared.contracts.notify import ReportRef
from lmis_shared.events import EventPayload

# -- read side ---------------------------------------------------------------------------------


class UnitReader(Protocol):
    async def get(self, hierarchy: Hierarchy, code: str) -> Unit | None: ...

    async def children(self, hierarchy: Hierarchy, parent_code: str | None) -> list[Unit]:
        """The units under `parent_code` in Vietnamese order; the provinces when None."""
        ...

    async def ancestors(self, hierarchy: Hierarchy, code: str) -> list[Unit]:
        """From the province down to the unit's parent."""
        ...


@dataclass(frozen=True)
class CountRange:
    """Which of the projection's leaf counts to sum: an indicator's, over every unit under
    `unit_code` (itself included) and the months whose first day lies in `start`..`end`."""

    indicator: str
    hierarchy: Hierarchy
    unit_code: str
    start: date
    end: date


class CountReader(Protocol):
    async def total(self, counts: CountRange) -> int: ...

    async def breakdown(self, counts: CountRange, dimension: str) -> dict[str, int]:
        """The same sum per value of `dimension`."""
        ...

    async def per_child(
        self, counts: CountRange, dimension: str = TOTAL
    ) -> dict[str, dict[str, int]]:
        """Per unit directly under `unit_code`: the sum per value of `dimension` (the total
        under the key `''` when `dimension` is `''`)."""
        ...


class FactsReader(Protocol):
    async def facts_under(
        self, stream_type: str, hierarchy: Hierarchy, unit_code: str
    ) -> list[tuple[str | None, Facts]]:
        """Every stream of `stream_type` counted under `unit_code`, with the unit directly
        under `unit_code` that it lies in (None when it lies in `unit_code` itself)."""
        ...


class MarketReader(Protocol):
    async def high_income(self, province_code: str) -> frozenset[str]: ...


class TargetReader(Protocol):
    async def find(
        self, indicator: str, hierarchy: Hierarchy, unit_code: str, year: int
    ) -> Target | None:
        """The target (kind `target`, not a baseline) of an indicator, unit and year."""
        ...

    async def list(self, hierarchy: Hierarchy, unit_code: str, year: int | None) -> list[Target]:
        """A unit's targets and baselines, of one year or all."""
        ...


# -- consuming side ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamEvent:
    """An event to count, new to the projection: its stream and its typed payload."""

    stream_id: UUID
    stream_type: str
    payload: EventPayload
    recorded_on: date | None = None
    """Vietnam's calendar day the event was recorded (stored) on: what "known as of a day"
    cuts by (`application/counting.py`); None keeps the event out of the history."""


class StreamFacts(Protocol):
    """What each stream's earlier events said (`domain/facts.py`), kept per stream."""

    async def load(self, stream_ids: Collection[UUID]) -> dict[UUID, Facts]:
        """The stored facts of those streams that have some."""
        ...

    async def save(self, facts: Mapping[UUID, tuple[str, Facts]]) -> None:
        """Store `stream id -> (stream type, facts)`, replacing what was there."""
        ...


class Counts(Protocol):
    async def add(self, increments: Sequence[Increment]) -> None:
        """Add each increment's delta to its row (indicator, unit, month, dimension, value)."""
        ...


@dataclass(frozen=True)
class RecordedIncrement:
    """What events recorded on one day add to a count row: the counts as known at the end
    of a day are the sum of the rows recorded on it or before."""

    recorded_on: date
    increment: Increment


class RecordedCounts(Protocol):
    async def add(self, increments: Sequence[RecordedIncrement]) -> None:
        """Add each delta to its row (the count's row and the day it was recorded on)."""
        ...


@dataclass(frozen=True)
class FactVersion:
    """A stream's facts as they stood at the end of `known_from` (a recorded day): they stay
    what was known until the stream's next version's day."""

    stream_id: UUID
    stream_type: str
    known_from: date
    facts: Facts


class FactHistory(Protocol):
    async def record(self, versions: Sequence[FactVersion]) -> None:
        """Store each version, replacing the one of its stream and day; the stream's version
        before it is known until its day."""
        ...


@dataclass(frozen=True)
class KnownReads:
    """The projection's counts and facts as they were known at the end of one day."""

    counts: CountReader
    facts: FactsReader


# -- filed reports -----------------------------------------------------------------------------


class FilingReader(Protocol):
    async def versions(self, report: ReportRef) -> list[Filing]:
        """Every version of one report, oldest first."""
        ...

    async def latest(self, kind: str, period: str, unit_codes: list[str]) -> dict[str, Filing]:
        """Per unit among `unit_codes` that filed `kind` for `period`: its latest version."""
        ...


class SignInLinks(Protocol):
    """One-time sign-in links (embedded mode): each link's id may be used once."""

    async def use(self, link_id: str) -> bool:
        """True the first time `link_id` is used, False ever after."""
        ...
