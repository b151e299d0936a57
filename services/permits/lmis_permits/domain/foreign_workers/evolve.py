"""How each event changes a foreign worker file: what it records (`_record`) and the status it
leads to (`NEXT_STATUS`). Pure; refuses only an event that cannot belong to the stream."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from uuid import UUID

from lmis_permits.domain.errors import existing
from lmis_permits.domain.foreign_workers.state import (
    EmploymentEnd,
    ExemptionRecord,
    FileStatus,
    ForeignWorkerFile,
    HealthCheck,
    PermitRecord,
    Residence,
    Revocation,
)
from lmis_shared.contracts import permits as events
from lmis_shared.events import EventPayload
from lmis_shared.privacy.erasure import Erasure
from lmis_shared.records import record_from

NEXT_STATUS: Mapping[type[EventPayload], FileStatus | None] = {
    events.PermitApplied: FileStatus.permit_applied,
    events.PermitIssued: FileStatus.permitted,
    events.PermitExtensionApplied: FileStatus.extension_applied,
    events.PermitExtended: FileStatus.extended,
    events.PermitRevoked: FileStatus.revoked,
    events.ExemptionCertified: FileStatus.exempt,
    events.EmploymentEnded: FileStatus.ended,
    events.HealthCheckRecorded: None,  # None: the status stays
    events.TemporaryResidenceRegistered: None,
}


def evolve(
    state: ForeignWorkerFile | None, event: EventPayload, stream_id: UUID
) -> ForeignWorkerFile:
    # the file starts as registered, field by field
    if isinstance(event, events.ForeignWorkerRegistered):
        return ForeignWorkerFile(
            id=stream_id, version=0, status=FileStatus.registered, **dict(event)
        )
    state = _record(existing(state, "register", event.event_type), event)
    next_status = NEXT_STATUS.get(type(event))
    return state if next_status is None else replace(state, status=next_status)


def _record(state: ForeignWorkerFile, event: EventPayload) -> ForeignWorkerFile:
    """What the event adds to the file, apart from the status change."""
    match event:
        case events.PermitApplied():
            return replace(state, permit_applied_on=event.applied_on)
        case events.PermitIssued():
            permit = record_from(PermitRecord, event, applied_on=state.permit_applied_on)
            return replace(state, authorisation=permit, revocation=None, permit_applied_on=None)
        case events.PermitExtensionApplied():
            permit = replace(state.held_permit(), extension_applied_on=event.applied_on)
            return replace(state, authorisation=permit)
        case events.PermitExtended():
            permit = replace(
                state.held_permit(),
                expiry_date=event.new_expiry_date,
                extended_on=event.extended_on,
                original_expiry_date=event.previous_expiry_date,
            )
            return replace(state, authorisation=permit)
        case events.PermitRevoked():
            return replace(state, revocation=Revocation(event.reason, event.revoked_on))
        case events.ExemptionCertified():
            exemption = ExemptionRecord(
                event.legal_ground, event.certificate_number, event.valid_from, event.valid_until
            )
            return replace(state, authorisation=exemption, revocation=None, permit_applied_on=None)
        case events.EmploymentEnded():
            return replace(state, employment_end=EmploymentEnd(event.ended_on, event.reason))
        case events.HealthCheckRecorded():
            return replace(
                state, health_check=HealthCheck(event.checked_on, event.result, event.facility)
            )
        case events.TemporaryResidenceRegistered():
            residence = Residence(event.card.number, event.valid_from, event.valid_until)
            return replace(state, residence=residence)
        case events.ForeignWorkerErased():
            return replace(state, erasure=Erasure.of(event))
    return state
