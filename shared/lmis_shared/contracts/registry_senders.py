"""Events of the register of sending organisations (registry service, stream type
`sending_organisation`), and the check of the organisation a contract is signed through (on the
worker's stream).

A sending organisation is a licensed enterprise (Law 69/2020/QH14 art. 9-10: licence to send
workers abroad, which the ministry can suspend or revoke) or a public employment service centre
(assigned by the State, no licence). Its data is public (the ministry publishes the list), so
these events carry no personal data. A complaint names its kind and the commune it came from,
never the person who complained.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from lmis_shared.contracts.registry import Sector, SendingOrganisationKind
from lmis_shared.events import EventPayload, event

STREAM_TYPE = "sending_organisation"


class LicenceStatus(StrEnum):
    active = "active"
    suspended = "suspended"
    revoked = "revoked"
    expired = "expired"


class ComplaintCategory(StrEnum):
    excessive_fees = "excessive_fees"
    unlicensed_recruitment = "unlicensed_recruitment"
    deception = "deception"
    """Promises about the job, the pay or the destination that were not kept."""
    other = "other"


@event("lmis.registry.sending_organisation.registered.v1", stream_type=STREAM_TYPE)
class SendingOrganisationRegistered(EventPayload):
    kind: SendingOrganisationKind
    name: str
    licence_number: str | None
    """The ministry's licence number; None for a public employment service centre."""
    licence_status: LicenceStatus
    licensed_on: date | None
    licence_valid_until: date | None
    """None: no end date (a licence under Law 69/2020/QH14 runs until suspended or revoked)."""
    markets: list[str]
    """ISO 3166-1 alpha-2 codes of the destinations it may send workers to."""
    imported: bool = False
    """Entered from the ministry's published list (an import) rather than by hand."""


@event("lmis.registry.sending_organisation.updated.v1", stream_type=STREAM_TYPE)
class SendingOrganisationUpdated(EventPayload):
    """The organisation as it is after the change; `changed` names what changed."""

    changed: list[str]
    name: str
    licence_status: LicenceStatus
    licensed_on: date | None
    licence_valid_until: date | None
    markets: list[str]


@event("lmis.registry.sending_organisation.suspended.v1", stream_type=STREAM_TYPE)
class SendingOrganisationSuspended(EventPayload):
    suspended_on: date
    reason: str
    """The decision's reference and grounds, as the ministry published them."""


@event("lmis.registry.sending_organisation.complaint_recorded.v1", stream_type=STREAM_TYPE)
class BrokerComplaintRecorded(EventPayload):
    """A complaint about the organisation's recruitment; who complained is not recorded here
    (it stays in the commune's paper file)."""

    received_on: date
    category: ComplaintCategory
    commune_code: str
    province_code: str
    reference: str | None
    """The case file's number at the commune or the police, if any."""


class SenderCheckOutcome(StrEnum):
    verified = "verified"
    """In the register, licensed on the signing day for the destination."""
    not_required = "not_required"
    """Reserved: nothing to check (such contracts record no `sender_checked` today)."""
    overridden = "overridden"
    """The check failed and the contract was entered anyway, with a reason (a historical
    record): flagged, and counted as recruitment through an unlicensed intermediary."""


class SenderProblem(StrEnum):
    unknown = "unknown"
    """Not in the register."""
    suspended = "suspended"
    revoked = "revoked"
    expired = "expired"
    market = "market"
    """Licensed, but not for the contract's destination."""


@event("lmis.registry.worker.sender_checked.v1", stream_type="worker")
class WorkerSenderChecked(EventPayload):
    """Recorded right after `worker.contract_signed` when the contract's organisation was
    checked against the register (found by id or licence number, or not found and entered
    with an override); a public centre named by its name only and an individual contract
    record none. Says what was found, and carries the contract's figures the notify service
    compares with the fee ceilings (`lmis_shared.reference.fee_ceilings`). The officer who
    overrode a failed check is the event's actor, the time its `recorded_at`."""

    organisation_id: UUID | None
    organisation_name: str | None
    licence_number: str | None
    outcome: SenderCheckOutcome
    problem: SenderProblem | None
    override_reason: str | None
    commune_code: str
    province_code: str
    destination_country: str
    sector: Sector
    signed_on: date
    duration_months: int
    monthly_salary_vnd: int
    fees_vnd: dict[str, int]
