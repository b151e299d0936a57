"""Filing a statutory report: each filing is a version of the report's stream, never an edit.

A report's stream (`report_stream_id`: kind + filing unit + period) holds one `ReportFiled`
per version: the figures the documents carried and the documents' SHA-256, as of the filing.
Filing figures identical to the latest version records nothing (a retry, or a second click);
different figures are a correction, the next version. Who files: a commune files the monthly
report, the province the yearly ones (`ReportKind.level`).

The status of a period across the units that must file it (`filing_status`) says, per unit,
whether it filed, on time or late, and whether a report not filed is overdue. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from lmis_reporting.domain.errors import InvalidReportPeriod, ReportNotFiled
from lmis_reporting.domain.report_model import Number
from lmis_shared.commands import Aggregate, VersionedState
from lmis_shared.contracts.notify import ReportRef
from lmis_shared.contracts.reporting import ReportFiled
from lmis_shared.events import EventPayload


@dataclass(frozen=True)
class FileReport:
    report: ReportRef
    hierarchy: str
    as_of: datetime
    due_on: date
    document_sha256: Mapping[str, str]
    figures: Mapping[str, Number | None]
    by: str


@dataclass(frozen=True)
class Filing:
    """One version of a filed report."""

    report: ReportRef
    version: int
    hierarchy: str
    as_of: datetime
    filed_on: date
    due_on: date
    filed_by: str
    document_sha256: Mapping[str, str]
    figures: Mapping[str, Number | None]

    @property
    def late(self) -> bool:
        return self.filed_on > self.due_on


@dataclass(frozen=True)
class FiledReport(VersionedState):
    id: UUID
    version: int
    filings: tuple[Filing, ...]

    @property
    def latest(self) -> Filing:
        return self.filings[-1]


def decide(state: FiledReport | None, command: FileReport, today: date) -> list[EventPayload]:
    if state is not None and dict(state.latest.figures) == dict(command.figures):
        return []  # the same figures again: nothing to correct
    if command.as_of.date() < _first_day(command.report.period):
        raise InvalidReportPeriod("report_period", "a period that has not begun is not filed")
    number = 1 if state is None else len(state.filings) + 1
    return [
        ReportFiled(
            report=command.report,
            version=number,
            hierarchy=command.hierarchy,
            as_of=command.as_of,
            filed_on=today,
            due_on=command.due_on,
            filed_by=command.by,
            document_sha256=dict(command.document_sha256),
            figures=dict(command.figures),
        )
    ]


def evolve(state: FiledReport | None, event: EventPayload, stream_id: UUID) -> FiledReport:
    if not isinstance(event, ReportFiled):
        raise ValueError(f"{event.event_type} is no event of a filed report")
    filing = filing_of(event)
    before = state.filings if state is not None else ()
    return FiledReport(stream_id, state.version if state else 0, (*before, filing))


def filing_of(event: ReportFiled) -> Filing:
    return Filing(
        event.report,
        event.version,
        event.hierarchy,
        event.as_of,
        event.filed_on,
        event.due_on,
        event.filed_by,
        event.document_sha256,
        event.figures,
    )


def _first_day(period: str) -> date:
    year, _, month = period.partition("-")
    return date(int(year), int(month or 1), 1)


def _not_found(stream_id: UUID) -> ReportNotFiled:
    return ReportNotFiled(str(stream_id))


AGGREGATE: Aggregate[FiledReport] = Aggregate("report", evolve, _not_found)


# -- completeness --------------------------------------------------------------------------

FilingState = Literal["filed", "filed_late", "overdue", "not_due"]


@dataclass(frozen=True)
class UnitStatus:
    unit_code: str
    unit_name: str
    state: FilingState
    latest: Filing | None


def filing_status(
    filers: Sequence[tuple[str, str]],
    latest: Mapping[str, Filing],
    due_on: date,
    today: date,
) -> list[UnitStatus]:
    """Per (code, name) of a unit that must file: its state for the period."""
    out = []
    for code, name in filers:
        filing = latest.get(code)
        if filing is not None:
            state: FilingState = "filed_late" if filing.late else "filed"
        else:
            state = "overdue" if today > due_on else "not_due"
        out.append(UnitStatus(code, name, state, filing))
    return out
