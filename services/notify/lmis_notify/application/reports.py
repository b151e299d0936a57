"""Submitting a statutory report: a minimal use case until the reporting service files real
reports. The fact is an event (`lmis.notify.report.submitted.v1`) on the report's own stream;
the deadline projection reads it back off `lmis.notify.events` and resolves `report_due` and
`report_late`, as it would a submission made by another service.

A report is submitted once: a repeat returns the first submission and appends nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID, uuid4

from lmis_notify.application.access import REPORT
from lmis_notify.domain.errors import InvalidReport
from lmis_notify.domain.model import report_id
from lmis_notify.domain.reports import report_ref
from lmis_shared.auth import WRITE, Authorizer, Principal
from lmis_shared.clock import Clock
from lmis_shared.contracts.notify import ReportSubmitted
from lmis_shared.events import NewEvent, RecordedEvent
from lmis_shared.eventstore import AppendContext, EventStore, WrongExpectedVersion
from lmis_shared.reference.units import province_of as current_province_of

SOURCE = "/lmis/notify"


@dataclass(frozen=True)
class Submission:
    report_id: UUID
    submitted: ReportSubmitted
    created: bool
    """False when the report had been submitted before (nothing was appended)."""


class Reports:
    def __init__(
        self,
        store: EventStore,
        clock: Clock,
        authorizer: Authorizer,
        province_of: Callable[[str], str | None] = current_province_of,
    ) -> None:
        self._store = store
        self._clock = clock
        self._authorizer = authorizer
        self._province_of = province_of

    async def submit(
        self,
        kind: str,
        unit_code: str,
        period: str,
        principal: Principal,
        correlation_id: UUID,
        traceparent: str | None = None,
    ) -> Submission:
        ref = report_ref(kind, unit_code, period)
        if self._province_of(unit_code) is None:
            raise InvalidReport("unit", "no such administrative unit")
        self._authorizer.check(principal, WRITE, unit_code, REPORT)
        stream = report_id(ref)
        earlier = await self._store.read_stream(stream)
        if earlier:
            return _first(stream, earlier)
        payload = ReportSubmitted(
            report=ref, submitted_on=self._clock.today(), submitted_by=principal.subject
        )
        context = AppendContext(
            actor=principal.subject,
            correlation_id=correlation_id,
            causation_id=None,
            traceparent=traceparent,
            source=SOURCE,
            recorded_at=self._clock.now(),
        )
        try:
            await self._store.append(
                stream, "report", 0, [NewEvent(event_id=uuid4(), payload=payload)], context
            )
        except WrongExpectedVersion:  # submitted by someone else a moment ago
            return _first(stream, await self._store.read_stream(stream))
        return Submission(stream, payload, created=True)


def _first(stream: UUID, events: list[RecordedEvent]) -> Submission:
    submitted = events[0].payload()
    assert isinstance(submitted, ReportSubmitted)
    return Submission(stream, submitted, created=False)
