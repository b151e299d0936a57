"""Filing statutory reports, and the completeness of a period. Nothing here knows HTTP or SQL.

Filing computes the report as `GET /v1/reports/...` would (`ReportDocuments`), generates its
documents, and records a version (`domain/filings.py`) with the figures and the documents'
SHA-256, through the shared command path (Idempotency-Key, If-Match). Reporting owns filing:
notify reads `lmis.reporting.report.filed.v1` and resolves the report's `report_due` and
`report_late` alerts, as the stream's id is the report's id there too.

Who may file: a grant to write `report` whose scope covers the filing unit; the default grants
give it to province officers, and `FILING_GRANTS` adds commune officers (for their commune's
monthly report).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from lmis_reporting.application.ports import FilingReader, UnitReader
from lmis_reporting.application.queries import find_unit, scope_unit
from lmis_reporting.application.reports import ReportDocuments, report_kind, report_period
from lmis_reporting.domain import filings
from lmis_reporting.domain.errors import WrongFilingUnit
from lmis_reporting.domain.filings import FiledReport, FileReport, Filing, UnitStatus
from lmis_reporting.domain.report_kinds import ReportKind
from lmis_reporting.domain.report_model import Report, figures
from lmis_reporting.domain.units import Hierarchy, Unit
from lmis_shared.auth import DEFAULT_GRANTS, READ, WRITE, Authorizer, Principal, Role, grant
from lmis_shared.clock import Clock
from lmis_shared.commands import Command, CommandContext, CommandPath, CommandResult, Streams
from lmis_shared.contracts.notify import ReportRef
from lmis_shared.contracts.reporting import report_stream_id
from lmis_shared.errors import ConcurrencyConflict
from lmis_shared.events import EventPayload

SOURCE = "/lmis/reporting"
REPORT = "report"

FILING_GRANTS = {
    **DEFAULT_GRANTS,
    Role.COMMUNE_OFFICER: (*DEFAULT_GRANTS[Role.COMMUNE_OFFICER], grant([WRITE], [REPORT])),
}

Renderer = Callable[[Report], bytes]


@dataclass(frozen=True)
class PeriodStatus:
    kind: str
    unit: Unit
    period: str
    due_on: date
    units: list[UnitStatus]


class ReportFilings:
    def __init__(
        self,
        documents: ReportDocuments,
        renderers: Mapping[str, Renderer],
        units: UnitReader,
        rows: FilingReader,
        streams: Streams[FiledReport],
        authorizer: Authorizer,
        clock: Clock,
    ) -> None:
        self._documents = documents
        self._renderers = renderers
        self._units = units
        self._rows = rows
        self._path = CommandPath(filings.AGGREGATE, streams, clock, SOURCE)
        self._authorizer = authorizer
        self._clock = clock

    async def file(
        self, ctx: CommandContext, kind_code: str, unit_code: str, period: str, hierarchy: Hierarchy
    ) -> CommandResult:
        """The latest version after the command (a new one unless the figures are unchanged)."""
        kind = report_kind(kind_code)
        unit = await find_unit(self._units, hierarchy, unit_code, "report_unit")
        if unit.level != kind.level:
            raise WrongFilingUnit(f"a {kind.code} report is filed by a {kind.level}")
        principal = ctx.principal
        self._authorizer.check(principal, WRITE, scope_unit(unit), REPORT)
        report = await self._documents.report(principal, kind_code, unit_code, period, hierarchy)
        ref = ReportRef(kind=kind.code, unit_code=unit.code, period=report.period)
        command = FileReport(
            ref,
            hierarchy,
            report.as_of,
            report.due_date,
            {
                name: hashlib.sha256(render(report)).hexdigest()
                for name, render in self._renderers.items()
            },
            figures(report),
            principal.subject,
        )

        def decide(state: FiledReport | None) -> list[EventPayload]:
            return filings.decide(state, command, self._clock.today())

        stream_id = report_stream_id(ref)

        def respond(state: FiledReport) -> dict[str, Any]:
            return filing_body(state.latest, state.version)

        run: Command[FiledReport] = Command(
            "file_report",
            stream_id,
            {"kind": kind.code, "unit": unit.code, "period": ref.period, "hierarchy": hierarchy},
            decide,
            respond,
            creates=not await self._rows.versions(ref),
            # the stream's key is natural: a retry is the same request either way
            target=str(stream_id),
        )
        try:
            return await self._path.run(run, ctx)
        except ConcurrencyConflict:  # filed a moment ago by someone else: correct that one
            return await self._path.run(replace(run, creates=False), ctx)

    async def versions(
        self,
        principal: Principal,
        kind_code: str,
        unit_code: str,
        period: str,
        hierarchy: Hierarchy,
    ) -> list[Filing]:
        kind, unit = await self._readable(principal, kind_code, unit_code, hierarchy, "report_")
        label = report_period(kind, period, "report_period").label
        return await self._rows.versions(
            ReportRef(kind=kind.code, unit_code=unit.code, period=label)
        )

    async def status(
        self,
        principal: Principal,
        kind_code: str,
        unit_code: str,
        period: str,
        hierarchy: Hierarchy,
    ) -> PeriodStatus:
        """Per unit that must file `kind` under `unit_code` (its communes for a monthly report,
        the province itself for a yearly one): filed, filed late, overdue or not due yet."""
        kind, unit = await self._readable(principal, kind_code, unit_code, hierarchy, "")
        parsed = report_period(kind, period, "period")
        filers = await self._filers(unit, kind.level)
        latest = await self._rows.latest(kind.code, parsed.label, [code for code, _ in filers])
        due = kind.due_date(parsed)
        states = filings.filing_status(filers, latest, due, self._clock.today())
        return PeriodStatus(kind.code, unit, parsed.label, due, states)

    async def _readable(
        self, principal: Principal, kind_code: str, unit_code: str, hierarchy: Hierarchy, at: str
    ) -> tuple[ReportKind, Unit]:
        """The kind and the unit, once the caller may read the unit's reports; `at` prefixes
        the unit's input name (`report_unit` in a report's path, `unit` in a query)."""
        kind = report_kind(kind_code)
        unit = await find_unit(self._units, hierarchy, unit_code, f"{at}unit")
        self._authorizer.check(principal, READ, scope_unit(unit), REPORT)
        return kind, unit

    async def _filers(self, unit: Unit, level: str) -> list[tuple[str, str]]:
        if unit.level == level:
            return [(unit.code, unit.name)]
        if level == "commune":
            children = await self._units.children(unit.hierarchy, unit.code)
            return [(u.code, u.name) for u in children if u.level == "commune"]
        return []  # a province's report has no filer below it


def filing_body(filing: Filing, version: int) -> dict[str, Any]:
    """A filing as the API shows it (`entrypoints/report_views.py: FilingOut`), as JSON values."""
    return {
        "kind": filing.report.kind,
        "unit": filing.report.unit_code,
        "period": filing.report.period,
        "version": version,
        "filing_version": filing.version,
        "hierarchy": filing.hierarchy,
        "as_of": filing.as_of.isoformat(),
        "filed_on": filing.filed_on.isoformat(),
        "due_on": filing.due_on.isoformat(),
        "late": filing.late,
        "filed_by": filing.filed_by,
        "document_sha256": dict(filing.document_sha256),
        "figures": dict(filing.figures),
    }
