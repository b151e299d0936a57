"""Events produced by the reporting service: its own facts, such as the targets it holds.

A target is a stream (type `target`) per indicator, administrative unit and year; each change
is an event naming who set it (the envelope's actor) and from which plan, so the figures the
province is measured against have an audit trail. No personal data travels here.
"""

from __future__ import annotations

from enum import StrEnum

from lmis_shared.events import EventPayload, event


class TargetComparison(StrEnum):
    """How a value meets the target: "≥ 450 a year" is `at_least`, "> 80 %" `more_than`."""

    at_least = "at_least"
    more_than = "more_than"
    at_most = "at_most"
    less_than = "less_than"


@event("lmis.reporting.target.set.v1", stream_type="target")
class TargetSet(EventPayload):
    """A target was set (or changed) for an indicator, in a unit, for a year."""

    indicator: str
    """The indicator's code, as in `GET /v1/indicators`."""
    hierarchy: str
    """`current` (since 2025-07-01) or `legacy`: which hierarchy `unit_code` belongs to."""
    unit_code: str
    year: int
    """The last (or only) year the value covers."""
    first_year: int
    """The first year the value covers: the same as `year` for a yearly target, earlier for a
    plan's total over several years."""
    value: float
    """A count, an amount in VND, or a share from 0 to 1 for a ratio indicator."""
    comparison: TargetComparison
    source: str
    """The plan or decision the target comes from."""
