"""The foreign worker file's state: its status, which commands each status allows (`ALLOWED`),
and what the file holds (the latest permit or exemption, revocation, end of employment,
health check, temporary residence)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from lmis_permits.domain.foreign_workers.commands import CommandName
from lmis_permits.domain.permit_status import (
    Authorisation,
    PermitFacts,
    PermitStatus,
    permit_status,
)
from lmis_shared.commands import VersionedState
from lmis_shared.contracts.permits import (
    EmploymentEndReason,
    ForeignPerson,
    HealthResult,
    PositionType,
    RevocationReason,
    Sex,
)
from lmis_shared.privacy.erasure import Erasure


class FileStatus(StrEnum):
    registered = "registered"
    permit_applied = "permit_applied"
    permitted = "permitted"
    extension_applied = "extension_applied"
    extended = "extended"
    revoked = "revoked"
    exempt = "exempt"
    ended = "ended"


# Recorded whatever the permit's state, as long as the person still works here.
_WHILE_EMPLOYED = (
    CommandName.record_health_check,
    CommandName.register_residence,
    CommandName.end_employment,
)

ALLOWED: Mapping[FileStatus, tuple[CommandName, ...]] = {
    # issue-permit straight from `registered`: historical permits come without their application
    FileStatus.registered: (
        CommandName.apply_permit,
        CommandName.issue_permit,
        CommandName.certify_exemption,
        *_WHILE_EMPLOYED,
    ),
    FileStatus.permit_applied: (
        CommandName.issue_permit,
        CommandName.certify_exemption,
        *_WHILE_EMPLOYED,
    ),
    # a new permit (new position, or after the one extension) starts with a new application
    FileStatus.permitted: (
        CommandName.apply_extension,
        CommandName.revoke_permit,
        CommandName.apply_permit,
        *_WHILE_EMPLOYED,
    ),
    FileStatus.extension_applied: (
        CommandName.extend_permit,
        CommandName.revoke_permit,
        *_WHILE_EMPLOYED,
    ),
    FileStatus.extended: (CommandName.revoke_permit, CommandName.apply_permit, *_WHILE_EMPLOYED),
    FileStatus.revoked: _WHILE_EMPLOYED,
    FileStatus.exempt: (CommandName.certify_exemption, CommandName.apply_permit, *_WHILE_EMPLOYED),
    FileStatus.ended: (),
}


@dataclass(frozen=True)
class PermitRecord:
    permit_number: str
    issue_date: date
    expiry_date: date
    position: PositionType
    work_location: str | None
    applied_on: date | None = None
    extension_applied_on: date | None = None
    extended_on: date | None = None
    original_expiry_date: date | None = None


@dataclass(frozen=True)
class ExemptionRecord:
    legal_ground: str
    certificate_number: str | None
    valid_from: date
    valid_until: date


@dataclass(frozen=True)
class Revocation:
    reason: RevocationReason
    revoked_on: date


@dataclass(frozen=True)
class EmploymentEnd:
    ended_on: date
    reason: EmploymentEndReason


@dataclass(frozen=True)
class HealthCheck:
    checked_on: date
    result: HealthResult
    facility: str | None


@dataclass(frozen=True)
class Residence:
    card_number: str
    valid_from: date
    valid_until: date


@dataclass(frozen=True)
class ForeignWorkerFile(VersionedState):
    id: UUID
    version: int
    status: FileStatus
    person: ForeignPerson
    sex: Sex
    nationality: str
    employer_tax_code: str
    position: PositionType
    job_title: str | None
    qualifications: tuple[str, ...]
    commune_code: str
    province_code: str
    engaged_on: date
    permit_applied_on: date | None = None
    authorisation: PermitRecord | ExemptionRecord | None = None
    """The latest permit or exemption: a new one replaces the one before."""
    revocation: Revocation | None = None
    employment_end: EmploymentEnd | None = None
    health_check: HealthCheck | None = None
    residence: Residence | None = None
    erasure: Erasure | None = None
    """Set once the foreign worker's personal data is erased: `person` and the residence card
    number then hold neutral placeholders, never shown."""

    @property
    def permit(self) -> PermitRecord | None:
        return self.authorisation if isinstance(self.authorisation, PermitRecord) else None

    def held_permit(self) -> PermitRecord:
        """The permit of a status that holds one (`ALLOWED` lets permit commands reach only
        those, and only their events follow)."""
        assert self.permit is not None, "a permit state without a permit"
        return self.permit

    def permit_facts(self) -> PermitFacts:
        match self.authorisation:
            case PermitRecord(issue_date=start, expiry_date=end):
                kind = Authorisation.revoked if self.revocation else Authorisation.permit
                return PermitFacts(kind, start, end)
            case ExemptionRecord(valid_from=start, valid_until=end):
                return PermitFacts(Authorisation.exempt, start, end)
        return PermitFacts(Authorisation.none)

    def permit_status(self, today: date, expiring_within_days: int) -> PermitStatus:
        return permit_status(self.permit_facts(), today, expiring_within_days)
