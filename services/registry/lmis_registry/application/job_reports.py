"""Use cases on the communes' reports of jobs created through programmes other than loans.
No HTTP here.

A commune officer reports for the own commune, a province officer for a commune of the
province (the department's office keying in a paper report), an admin anywhere (grant kind
`job_creation`). Reporting the same commune, month and programme again corrects the count;
the event names the officer (its actor), so a correction is audited like any command.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from lmis_registry.application.workers import SOURCE
from lmis_registry.domain import job_reports
from lmis_registry.domain.job_reports import JobCreationReport, ReportJobCreation
from lmis_shared.auth import READ, WRITE, Authorizer, Principal
from lmis_shared.clock import Clock
from lmis_shared.commands import Command, CommandContext, CommandPath, CommandResult, Streams
from lmis_shared.events import EventPayload

KIND = "job_creation"


@dataclass(frozen=True)
class JobCreationReports:
    streams: Streams[JobCreationReport]
    clock: Clock
    authorizer: Authorizer
    path: CommandPath[JobCreationReport]

    @classmethod
    def on(
        cls,
        streams: Streams[JobCreationReport],
        clock: Clock,
        authorizer: Authorizer,
        ttl: timedelta,
    ) -> JobCreationReports:
        """The use cases on `streams`, idempotency keys kept for `ttl`."""
        path = CommandPath(job_reports.AGGREGATE, streams, clock, SOURCE, idempotency_ttl=ttl)
        return cls(streams, clock, authorizer, path)

    async def report(self, command: ReportJobCreation, ctx: CommandContext) -> CommandResult:
        """201 for a commune's first report of the month and programme, 200 for a correction."""
        # refused before anything is read: a 403 for a new report and a 404 for an existing
        # one told a caller who may not write there whether the commune had reported
        self.authorizer.check(ctx.principal, WRITE, command.commune_code, KIND)
        stream_id = job_reports.report_stream_id(
            command.commune_code, command.first_day(), command.programme
        )
        exists = bool(await self.streams.read(stream_id))

        def authorise(_: JobCreationReport | None) -> None:
            self.authorizer.check(ctx.principal, WRITE, command.commune_code, KIND)

        def decide(state: JobCreationReport | None) -> list[EventPayload]:
            return job_reports.decide(state, command, self.clock.today())

        return await self.path.run(
            Command(
                "job_creation_report.report",
                stream_id,
                command.model_dump(mode="json", exclude_unset=True),
                decide=decide,
                respond=report_body,
                authorise=authorise,
                creates=not exists,
                # the key is natural: a retry is the same request whether or not the first
                # one started the stream
                target=str(stream_id),
            ),
            ctx,
        )

    async def get(self, report_id: UUID, principal: Principal) -> JobCreationReport:
        return await self.path.load(
            report_id,
            lambda state: self.authorizer.check(principal, READ, state.commune_code, KIND),
        )


def report_body(state: JobCreationReport) -> dict[str, Any]:
    return {
        "id": str(state.id),
        "version": state.version,
        "commune_code": state.commune_code,
        "period": f"{state.period.year:04d}-{state.period.month:02d}",  # %Y: "1" on glibc
        "programme": state.programme.value,
        "jobs": state.jobs,
        "reported_on": state.reported_on.isoformat(),
        "reference": state.reference,
        "corrections": state.corrections,
    }
