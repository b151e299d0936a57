"""`decide`: the events a command on the register adds (pure; `today` from the clock)."""

from __future__ import annotations

from datetime import date

from lmis_registry.domain.errors import IllegalTransition, InvalidField
from lmis_registry.domain.senders.commands import (
    RecordComplaint,
    RegisterSendingOrganisation,
    SenderCommand,
    SuspendSendingOrganisation,
    UpdateSendingOrganisation,
)
from lmis_registry.domain.senders.state import SendingOrganisation
from lmis_shared.contracts import registry_senders as events
from lmis_shared.contracts.registry_senders import LicenceStatus
from lmis_shared.events import EventPayload
from lmis_shared.records import record_from
from lmis_shared.reference.units import province_of

UPDATABLE = ("name", "licence_status", "licensed_on", "licence_valid_until", "markets")


def _not_after(today: date, field: str, day: date | None) -> date:
    if day is None:
        return today
    if day > today:
        raise InvalidField(field, "must not be in the future")
    return day


def decide(
    state: SendingOrganisation | None,
    command: RegisterSendingOrganisation | SenderCommand,
    today: date,
    *,
    imported: bool = False,
) -> list[EventPayload]:
    if isinstance(command, RegisterSendingOrganisation):
        return [record_from(events.SendingOrganisationRegistered, command, imported=imported)]
    assert state is not None, "the command path loads the organisation first"
    match command:
        case UpdateSendingOrganisation():
            return _update(state, command)
        case SuspendSendingOrganisation():
            if state.licence_status in (LicenceStatus.revoked, LicenceStatus.suspended):
                raise IllegalTransition(state.licence_status.value, ["update"], command="suspend")
            on = _not_after(today, "suspended_on", command.suspended_on)
            return [events.SendingOrganisationSuspended(suspended_on=on, reason=command.reason)]
        case RecordComplaint():
            province = province_of(command.commune_code)
            if province is None:
                raise InvalidField("commune_code", "is not a current commune code")
            return [
                events.BrokerComplaintRecorded(
                    received_on=_not_after(today, "received_on", command.received_on),
                    category=command.category,
                    commune_code=command.commune_code,
                    province_code=province,
                    reference=command.reference,
                )
            ]
    raise AssertionError(f"unknown command {command!r}")


def _update(state: SendingOrganisation, command: UpdateSendingOrganisation) -> list[EventPayload]:
    given = command.model_dump(exclude_unset=True)
    after = {
        "name": state.name,
        "licence_status": state.licence_status,
        "licensed_on": state.licensed_on,
        "licence_valid_until": state.licence_valid_until,
        "markets": list(state.markets),
    }
    changed = [f for f in UPDATABLE if f in given and given[f] != after[f]]
    if not changed:
        return []  # an update that changes nothing records nothing
    after |= {f: given[f] for f in changed}
    if after["licence_status"] is None:
        raise InvalidField("licence_status", "must not be null")
    if after["name"] is None:
        raise InvalidField("name", "must not be null")
    if after["markets"] is None:
        raise InvalidField("markets", "must not be null")
    return [events.SendingOrganisationUpdated(changed=changed, **after)]
