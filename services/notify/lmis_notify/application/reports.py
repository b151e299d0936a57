"""Submitting a statutory report: a minimal use case until the reporting service files real
reports. The fact is an event (`lmis.notify.report.submitted.v1`) on the report's own stream;
the deadline projection reads it back off `lmis.notify.events` and resolves `report_due` and
`report_late`, as it would a submission made by another service.

A report is submitted once: a repeat answers the first submission (200) and appends nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from lmis_notify.application.access import REPORT
from lmis_notify.application.ports import SOURCE
from lmis_notify.domain import reports
from lmis_notify.domain.errors import InvalidReport
from lmis_notify.domain.model import report_id
from lmis_notify.domain.reports import Report, SubmitReport, report_ref
from lmis_shared.auth import WRITE, Authorizer
from lmis_shared.clock import Clock
from lmis_shared.commands import Command, CommandContext, CommandPath, CommandResult, Streams
from lmis_shared.errors import ConcurrencyConflict
from lmis_shared.events import EventPayload
from lmis_shared.reference.units import province_of as current_province_of


class Reports:
    def __init__(
        self,
        streams: Streams[Report],
        clock: Clock,
        authorizer: Authorizer,
        province_of: Callable[[str], str | None] = current_province_of,
    ) -> None:
        self._path = CommandPath(reports.AGGREGATE, streams, clock, SOURCE)
        self._clock = clock
        self._authorizer = authorizer
        self._province_of = province_of

    async def submit(
        self,
        kind: str,
        unit_code: str,
        period: str,
        ctx: CommandContext,
        respond: Callable[[Report], dict[str, Any]],
    ) -> CommandResult:
        ref = report_ref(kind, unit_code, period)
        if self._province_of(unit_code) is None:
            raise InvalidReport("unit", "no such administrative unit")
        principal = ctx.principal

        def authorise(_: Report | None) -> None:
            self._authorizer.check(principal, WRITE, unit_code, REPORT)

        def decide(state: Report | None) -> list[EventPayload]:
            return reports.decide(state, SubmitReport(ref, principal.subject), self._clock.today())

        request = {"kind": kind, "unit": unit_code, "period": period}
        stream_id = report_id(ref)
        # the stream's key is natural (kind, unit, period): a retry is the same request whether
        # or not the first one started the stream
        command = Command(
            "submit_report",
            stream_id,
            request,
            decide,
            respond,
            authorise,
            creates=True,
            target=str(stream_id),
        )
        try:
            return await self._path.run(command, ctx)
        except ConcurrencyConflict:  # submitted before, or by someone else a moment ago
            return await self._path.run(replace(command, creates=False), ctx)
