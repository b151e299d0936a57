"""`evolve`: a sending organisation after one more event (the command path folds its stream
with it, `AGGREGATE`)."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from lmis_registry.domain.senders.state import SendingOrganisation
from lmis_shared.contracts import registry_senders as events
from lmis_shared.contracts.registry_senders import LicenceStatus
from lmis_shared.events import EventPayload
from lmis_shared.records import record_from


def evolve(
    state: SendingOrganisation | None, event: EventPayload, stream_id: UUID
) -> SendingOrganisation:
    if isinstance(event, events.SendingOrganisationRegistered):
        return record_from(
            SendingOrganisation, event, id=stream_id, version=0, markets=tuple(event.markets)
        )
    if state is None:
        raise ValueError(f"{event.event_type} before the organisation was registered")
    match event:
        case events.SendingOrganisationUpdated():
            return replace(
                state,
                name=event.name,
                licence_status=event.licence_status,
                licensed_on=event.licensed_on,
                licence_valid_until=event.licence_valid_until,
                markets=tuple(event.markets),
            )
        case events.SendingOrganisationSuspended():
            return replace(
                state,
                licence_status=LicenceStatus.suspended,
                suspended_on=event.suspended_on,
                suspension_reason=event.reason,
            )
        case events.BrokerComplaintRecorded():
            return replace(
                state, complaints=state.complaints + 1, last_complaint_on=event.received_on
            )
    return state
