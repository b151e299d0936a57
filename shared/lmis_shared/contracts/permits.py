"""Events produced by the permits service (foreign workers in the province).

Three kinds of stream: `employer` (one per enterprise tax code), `demand` (an employer's
explanation of need for one position, approved or rejected) and `foreign_worker` (one per
person and employer engagement, carrying the work permit or exemption).

Personal identifiers sit together under `person` (full name, passport number, date of birth),
and the temporary residence card number under `card`, apart from the fields that indicators
and agencies need (nationality, sex, employer, position, unit): that keeps them easy to redact
for a topic that must not carry them and, later, to encrypt with a per-person key.

Every unit code is the current one (province → commune since 2025-07-01), copied from the
employer's work location when the fact was recorded, so a consumer never has to join streams
to count by unit.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from lmis_shared.contracts.registry import Sex
from lmis_shared.events import EventPayload, event
from lmis_shared.privacy.erasure import PersonalDataErased

__all__ = [
    "AnnouncementChannel",
    "DemandAnnouncementRecorded",
    "DemandApproved",
    "DemandCandidateReferred",
    "DemandRejected",
    "DemandSubmitted",
    "DemandVietnameseHired",
    "EmployerRegistered",
    "EmployerRelocated",
    "EmployerRenamed",
    "EmployerSectorChanged",
    "EmploymentEndReason",
    "EmploymentEnded",
    "ExemptionCertified",
    "ForeignPerson",
    "ForeignWorkerRegistered",
    "HealthCheckRecorded",
    "HealthResult",
    "PermitApplied",
    "PermitExtended",
    "PermitExtensionApplied",
    "PermitIssued",
    "PermitRevoked",
    "PositionType",
    "ResidenceCard",
    "RevocationReason",
    "Sex",
    "TemporaryResidenceRegistered",
]


class PositionType(StrEnum):
    """The position kinds of Decree 152/2020 for which an employer explains its need."""

    manager = "manager"
    executive_director = "executive_director"
    expert = "expert"
    technical_worker = "technical_worker"


class RevocationReason(StrEnum):
    contract_ended_early = "contract_ended_early"
    broke_the_law = "broke_the_law"
    obtained_wrongly = "obtained_wrongly"


class EmploymentEndReason(StrEnum):
    contract_end = "contract_end"
    early_termination = "early_termination"
    departure = "departure"


class HealthResult(StrEnum):
    fit = "fit"
    unfit = "unfit"


class ForeignPerson(BaseModel):
    """Personal data of a foreign worker. Never logged, never traced."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    full_name: str
    """As in the passport."""
    passport_number: str
    date_of_birth: date


class ResidenceCard(BaseModel):
    """The temporary residence card's number: an identifier, kept apart like `person`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: str


# --- employer -------------------------------------------------------------------------------


@event("lmis.permits.employer.registered.v1", stream_type="employer")
class EmployerRegistered(EventPayload):
    tax_code: str
    name: str
    address: str
    commune_code: str
    province_code: str
    industrial_zone: str | None = None
    sector: str
    registered_on: date


@event("lmis.permits.employer.renamed.v1", stream_type="employer")
class EmployerRenamed(EventPayload):
    tax_code: str
    name: str


@event("lmis.permits.employer.relocated.v1", stream_type="employer")
class EmployerRelocated(EventPayload):
    """The work location changed; files opened later count in the new unit."""

    tax_code: str
    address: str
    commune_code: str
    province_code: str
    industrial_zone: str | None = None


@event("lmis.permits.employer.sector_changed.v1", stream_type="employer")
class EmployerSectorChanged(EventPayload):
    tax_code: str
    sector: str


# --- demand approval ------------------------------------------------------------------------


@event("lmis.permits.demand.submitted.v1", stream_type="demand")
class DemandSubmitted(EventPayload):
    employer_tax_code: str
    commune_code: str
    province_code: str
    position: PositionType
    job_title: str
    number_of_foreigners: int
    period_start: date
    period_end: date
    reason: str
    """Why Vietnamese workers cannot fill the position (the employer's explanation)."""
    submitted_on: date


@event("lmis.permits.demand.approved.v1", stream_type="demand")
class DemandApproved(EventPayload):
    approved_number: int
    decision_number: str
    decision_date: date


@event("lmis.permits.demand.rejected.v1", stream_type="demand")
class DemandRejected(EventPayload):
    reason: str
    decided_on: date


class AnnouncementChannel(StrEnum):
    """Where a position was offered to Vietnamese workers first (Decree 152/2020, art. 4(1) as
    amended by Decree 70/2023, from 1 January 2024)."""

    ministry_portal = "ministry_portal"
    """The labour ministry's portal (Department of Employment)."""
    employment_service_centre_portal = "employment_service_centre_portal"
    """The portal of a province's employment service centre."""


@event("lmis.permits.demand.announcement_recorded.v1", stream_type="demand")
class DemandAnnouncementRecorded(EventPayload):
    """The employer offered the position to Vietnamese workers before explaining its demand;
    the codes say what the position asks, for matching it with returnees."""

    announced_on: date
    channel: AnnouncementChannel
    posting_reference: str | None = None
    occupation_code: str
    """Vietnamese occupation classification (VSCO, Decision 34/2020/QĐ-TTg), 4 digits."""
    sector: str
    """One of the registry's `Sector` values, for the same comparison."""


@event("lmis.permits.demand.candidate_referred.v1", stream_type="demand")
class DemandCandidateReferred(EventPayload):
    """The province sent a returnee (a registry worker file, by id) to the employer."""

    worker_id: UUID
    referred_on: date


@event("lmis.permits.demand.vietnamese_hired.v1", stream_type="demand")
class DemandVietnameseHired(EventPayload):
    """A Vietnamese worker took the position instead of a foreigner: a returnee (by registry
    file id) or another job seeker (no id). It counts where the employer works."""

    worker_id: UUID | None = None
    returnee: bool
    hired_on: date
    commune_code: str
    province_code: str


# --- foreign worker file --------------------------------------------------------------------


@event("lmis.permits.foreign_worker.registered.v1", stream_type="foreign_worker")
class ForeignWorkerRegistered(EventPayload):
    person: ForeignPerson
    sex: Sex
    nationality: str
    """ISO 3166-1 alpha-2."""
    employer_tax_code: str
    position: PositionType
    job_title: str | None = None
    qualifications: tuple[str, ...] = ()
    commune_code: str
    province_code: str
    engaged_on: date
    """The first day of work for this employer (may lie in the past: historical records)."""


@event("lmis.permits.foreign_worker.permit_applied.v1", stream_type="foreign_worker")
class PermitApplied(EventPayload):
    applied_on: date


@event("lmis.permits.foreign_worker.permit_issued.v1", stream_type="foreign_worker")
class PermitIssued(EventPayload):
    permit_number: str
    issue_date: date
    expiry_date: date
    position: PositionType
    employer_tax_code: str
    work_location: str | None = None
    """The workplace address printed on the permit, when it differs from the employer's."""


@event("lmis.permits.foreign_worker.extension_applied.v1", stream_type="foreign_worker")
class PermitExtensionApplied(EventPayload):
    applied_on: date
    current_expiry_date: date


@event("lmis.permits.foreign_worker.permit_extended.v1", stream_type="foreign_worker")
class PermitExtended(EventPayload):
    permit_number: str
    previous_expiry_date: date
    new_expiry_date: date
    extended_on: date


@event("lmis.permits.foreign_worker.permit_revoked.v1", stream_type="foreign_worker")
class PermitRevoked(EventPayload):
    permit_number: str
    reason: RevocationReason
    revoked_on: date


@event("lmis.permits.foreign_worker.exemption_certified.v1", stream_type="foreign_worker")
class ExemptionCertified(EventPayload):
    """Certified as not needing a work permit (Decree 152/2020, art. 7–8), for a period."""

    legal_ground: str
    certificate_number: str | None = None
    valid_from: date
    valid_until: date


@event("lmis.permits.foreign_worker.employment_ended.v1", stream_type="foreign_worker")
class EmploymentEnded(EventPayload):
    closes_file: ClassVar[bool] = True
    """Closes the file: its retention period starts (`lmis_shared.privacy.retention`)."""

    ended_on: date
    reason: EmploymentEndReason


@event("lmis.permits.foreign_worker.health_check_recorded.v1", stream_type="foreign_worker")
class HealthCheckRecorded(EventPayload):
    checked_on: date
    result: HealthResult
    facility: str | None = None


@event("lmis.permits.foreign_worker.residence_registered.v1", stream_type="foreign_worker")
class TemporaryResidenceRegistered(EventPayload):
    """Temporary residence registered by the police: card and validity."""

    card: ResidenceCard
    valid_from: date
    valid_until: date


@event("lmis.permits.foreign_worker.erased.v1", stream_type="foreign_worker")
class ForeignWorkerErased(PersonalDataErased):
    """The foreign worker's personal data was erased (a request, or the end of the retention
    period): the data key is destroyed, so the `person` and `card` fields of every event of
    the file are unreadable everywhere. The file's other facts stay and still count. Who
    erased is the event's actor; no personal data here."""
