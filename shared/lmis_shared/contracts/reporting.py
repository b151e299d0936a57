"""Events produced by the reporting service: its own facts, such as the targets it holds.

A target is a stream (type `target`) per indicator, administrative unit and year; each change
is an event naming who set it (the envelope's actor) and from which plan, so the figures the
province is measured against have an audit trail. A statutory report is a stream (type
`report`) per kind, filing unit and period; each filing is a version of it (`ReportFiled`),
whose `report` notify reads to resolve `report_due` and `report_late`. No personal data
travels here.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID, uuid5

from pydantic import AwareDatetime, Field

from lmis_shared.contracts.notify import ReportRef
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


# Fixed for ever: the stream of a statutory report (kind + filing unit + period) has this id in
# every service, so notify's deadlines for a report and the report's filings are one subject.
REPORT_STREAM_NAMESPACE = UUID("0f7d2a91-4c3e-5b8a-a6d1-9e2c4b7f1a35")


def report_stream_id(ref: ReportRef) -> UUID:
    """The stream of one statutory report: kind + filing unit + period."""
    return uuid5(REPORT_STREAM_NAMESPACE, f"{ref.kind}/{ref.unit_code}/{ref.period}")


@event("lmis.reporting.report.filed.v1", stream_type="report")
class ReportFiled(EventPayload):
    """A unit filed a statutory report: one version of it, as generated at `as_of`.

    A correction is a later version on the same stream; an earlier one is never changed. The
    figures are those the documents carried; the hashes are SHA-256 of the documents (`xlsx`,
    `pdf`) generated from them, which regenerate byte for byte from the same figures.
    """

    report: ReportRef
    version: int = Field(ge=1)
    """1 for the first filing, 2 for its first correction, ..."""
    hierarchy: str
    """`current` or `legacy`: which hierarchy `report.unit_code` belongs to."""
    as_of: AwareDatetime
    """When the figures were read."""
    filed_on: date
    due_on: date
    filed_by: str
    """The officer id of the token's subject, never a name."""
    document_sha256: dict[str, str]
    """Per format (`xlsx`, `pdf`): the SHA-256 of the document, hexadecimal."""
    figures: dict[str, int | float | None]
    """`section.indicator[.dimension].value` -> the figure (`…total` for a line's total);
    null where the figure has no value (a ratio over nothing)."""
