"""The foreign worker file: one per person and employer engagement, holding the work permit
(or the exemption certificate that replaces it), its extension, revocation, the end of
employment, health checks and temporary residence.

Which command each state allows, and which state each event leads to, are tables (`ALLOWED`,
`NEXT_STATUS`); `decide` checks the table, then the command's rules against the state and
today's date, and returns events; `evolve` folds an event into the state. Both are pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Self
from uuid import UUID

from lmis_permits.domain.employers import Employer
from lmis_permits.domain.errors import IllegalTransition, InvalidField
from lmis_permits.domain.foreign_worker_commands import (
    ApplyForExtension,
    ApplyForPermit,
    CertifyExemption,
    Command,
    EndEmployment,
    ExtendPermit,
    FileCommand,
    IssuePermit,
    RecordHealthCheck,
    RegisterForeignWorker,
    RegisterResidence,
    RevokePermit,
)
from lmis_permits.domain.headcount import Headcount
from lmis_permits.domain.permit_status import (
    Authorisation,
    PermitFacts,
    PermitStatus,
    permit_status,
)
from lmis_permits.domain.rules import PermitRules, add_years, age_on
from lmis_shared.contracts.permits import (
    EmploymentEnded,
    EmploymentEndReason,
    ExemptionCertified,
    ForeignPerson,
    ForeignWorkerRegistered,
    HealthCheckRecorded,
    HealthResult,
    PermitApplied,
    PermitExtended,
    PermitExtensionApplied,
    PermitIssued,
    PermitRevoked,
    PositionType,
    ResidenceCard,
    RevocationReason,
    Sex,
    TemporaryResidenceRegistered,
)
from lmis_shared.events import EventPayload


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
_WHILE_EMPLOYED = (Command.record_health_check, Command.register_residence, Command.end_employment)

ALLOWED: Mapping[FileStatus, tuple[Command, ...]] = {
    # issue-permit straight from `registered`: historical permits come without their application
    FileStatus.registered: (
        Command.apply_permit,
        Command.issue_permit,
        Command.certify_exemption,
        *_WHILE_EMPLOYED,
    ),
    FileStatus.permit_applied: (Command.issue_permit, Command.certify_exemption, *_WHILE_EMPLOYED),
    # a new permit (new position, or after the one extension) starts with a new application
    FileStatus.permitted: (
        Command.apply_extension,
        Command.revoke_permit,
        Command.apply_permit,
        *_WHILE_EMPLOYED,
    ),
    FileStatus.extension_applied: (Command.extend_permit, Command.revoke_permit, *_WHILE_EMPLOYED),
    FileStatus.extended: (Command.revoke_permit, Command.apply_permit, *_WHILE_EMPLOYED),
    FileStatus.revoked: _WHILE_EMPLOYED,
    FileStatus.exempt: (Command.certify_exemption, Command.apply_permit, *_WHILE_EMPLOYED),
    FileStatus.ended: (),
}

NEXT_STATUS: Mapping[type[EventPayload], FileStatus | None] = {
    PermitApplied: FileStatus.permit_applied,
    PermitIssued: FileStatus.permitted,
    PermitExtensionApplied: FileStatus.extension_applied,
    PermitExtended: FileStatus.extended,
    PermitRevoked: FileStatus.revoked,
    ExemptionCertified: FileStatus.exempt,
    EmploymentEnded: FileStatus.ended,
    HealthCheckRecorded: None,  # None: the status stays
    TemporaryResidenceRegistered: None,
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
class ForeignWorkerFile:
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

    def with_version(self, version: int) -> Self:
        return replace(self, version=version)

    @property
    def permit(self) -> PermitRecord | None:
        return self.authorisation if isinstance(self.authorisation, PermitRecord) else None

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


def decide_register(
    employer: Employer,
    command: RegisterForeignWorker,
    today: date,
    rules: PermitRules,
    headcount: Headcount,
) -> list[EventPayload]:
    """Open the file in the employer's work location, within the approved headcount."""
    engaged_on = command.engaged_on or today
    if command.date_of_birth >= engaged_on or command.date_of_birth > today:
        raise InvalidField("date_of_birth", "must be before engaged_on and not in the future")
    if age_on(command.date_of_birth, engaged_on) < rules.minimum_age:
        raise InvalidField(
            "date_of_birth", f"a foreign worker must be at least {rules.minimum_age}"
        )
    headcount.check_room_for_one_more()
    return [
        ForeignWorkerRegistered(
            person=ForeignPerson(
                full_name=command.full_name,
                passport_number=command.passport_number,
                date_of_birth=command.date_of_birth,
            ),
            sex=command.sex,
            nationality=command.nationality,
            employer_tax_code=employer.tax_code,
            position=command.position,
            job_title=command.job_title,
            qualifications=command.qualifications,
            commune_code=employer.commune_code,
            province_code=employer.province_code,
            engaged_on=engaged_on,
        )
    ]


def decide(
    state: ForeignWorkerFile, command: FileCommand, today: date, rules: PermitRules
) -> list[EventPayload]:
    allowed = ALLOWED[state.status]
    if command.name not in allowed:
        raise IllegalTransition(state.status.value, allowed, command=command.name.value)
    match command:
        case ApplyForPermit():
            return [PermitApplied(applied_on=_past(command.applied_on, today, "applied_on"))]
        case IssuePermit():
            return [_issue(state, command, today, rules)]
        case ApplyForExtension():
            return [_apply_extension(_permit_of(state), command, today, rules)]
        case ExtendPermit():
            return [_extend(_permit_of(state), command, today, rules)]
        case RevokePermit():
            return [_revoke(_permit_of(state), command, today)]
        case CertifyExemption():
            return [_certify(command, rules)]
        case EndEmployment():
            return [_end(state, command, today)]
        case RecordHealthCheck():
            checked_on = _past(command.checked_on, today, "checked_on")
            return [
                HealthCheckRecorded(
                    checked_on=checked_on, result=command.result, facility=command.facility
                )
            ]
        case RegisterResidence():
            return [
                TemporaryResidenceRegistered(
                    card=ResidenceCard(number=command.card_number),
                    valid_from=command.valid_from,
                    valid_until=command.valid_until,
                )
            ]


def _issue(
    state: ForeignWorkerFile, command: IssuePermit, today: date, rules: PermitRules
) -> PermitIssued:
    issue_date = _past(command.issue_date, today, "issue_date")
    if state.permit_applied_on is not None and issue_date < state.permit_applied_on:
        raise InvalidField(
            "issue_date", f"must not be before the application ({state.permit_applied_on})"
        )
    if command.expiry_date > add_years(issue_date, rules.max_permit_years):
        raise InvalidField(
            "expiry_date", f"must be at most {rules.max_permit_years} years after issue_date"
        )
    return PermitIssued(
        permit_number=command.permit_number,
        issue_date=issue_date,
        expiry_date=command.expiry_date,
        position=state.position,
        employer_tax_code=state.employer_tax_code,
        work_location=command.work_location,
    )


def _apply_extension(
    permit: PermitRecord, command: ApplyForExtension, today: date, rules: PermitRules
) -> PermitExtensionApplied:
    applied_on = _past(command.applied_on, today, "applied_on")
    opens, closes = rules.extension_window(permit.expiry_date)
    if not opens <= applied_on <= closes:
        raise InvalidField(
            "applied_on",
            f"an extension is applied for between {rules.extension_opens_days_before} and "
            f"{rules.extension_closes_days_before} days before expiry: from {opens} to {closes}",
        )
    return PermitExtensionApplied(applied_on=applied_on, current_expiry_date=permit.expiry_date)


def _extend(
    permit: PermitRecord, command: ExtendPermit, today: date, rules: PermitRules
) -> PermitExtended:
    extended_on = _past(command.extended_on, today, "extended_on")
    if permit.extension_applied_on is not None and extended_on < permit.extension_applied_on:
        raise InvalidField("extended_on", "must not be before the extension application")
    if command.new_expiry_date <= permit.expiry_date:
        raise InvalidField(
            "new_expiry_date", f"must be after the current expiry ({permit.expiry_date})"
        )
    if command.new_expiry_date > add_years(permit.expiry_date, rules.max_extension_years):
        raise InvalidField(
            "new_expiry_date",
            f"an extension adds at most {rules.max_extension_years} years to {permit.expiry_date}",
        )
    return PermitExtended(
        permit_number=permit.permit_number,
        previous_expiry_date=permit.expiry_date,
        new_expiry_date=command.new_expiry_date,
        extended_on=extended_on,
    )


def _revoke(permit: PermitRecord, command: RevokePermit, today: date) -> PermitRevoked:
    revoked_on = _past(command.revoked_on, today, "revoked_on")
    if revoked_on < permit.issue_date:
        raise InvalidField("revoked_on", f"must not be before the issue date ({permit.issue_date})")
    return PermitRevoked(
        permit_number=permit.permit_number, reason=command.reason, revoked_on=revoked_on
    )


def _certify(command: CertifyExemption, rules: PermitRules) -> ExemptionCertified:
    if command.valid_until > add_years(command.valid_from, rules.max_exemption_years):
        raise InvalidField(
            "valid_until", f"must be at most {rules.max_exemption_years} years after valid_from"
        )
    return ExemptionCertified(
        legal_ground=command.legal_ground,
        certificate_number=command.certificate_number,
        valid_from=command.valid_from,
        valid_until=command.valid_until,
    )


def _end(state: ForeignWorkerFile, command: EndEmployment, today: date) -> EmploymentEnded:
    ended_on = _past(command.ended_on, today, "date")
    if ended_on < state.engaged_on:
        raise InvalidField("date", f"must not be before the engagement ({state.engaged_on})")
    return EmploymentEnded(ended_on=ended_on, reason=command.reason)


def _past(day: date | None, today: date, field: str) -> date:
    """`day`, defaulting to today; a recorded fact cannot lie in the future."""
    if day is None:
        return today
    if day > today:
        raise InvalidField(field, "must not be in the future")
    return day


def _permit_of(state: ForeignWorkerFile) -> PermitRecord:
    # the transition table only lets permit commands reach states that hold a permit
    assert state.permit is not None, "a permit state without a permit"
    return state.permit


def evolve(
    state: ForeignWorkerFile | None, event: EventPayload, stream_id: UUID
) -> ForeignWorkerFile:
    if isinstance(event, ForeignWorkerRegistered):
        return _registered(event, stream_id)
    if state is None:
        raise IllegalTransition("absent", ["register"], command=event.event_type)
    state = _record(state, event)
    next_status = NEXT_STATUS.get(type(event))
    return state if next_status is None else replace(state, status=next_status)


def _registered(event: ForeignWorkerRegistered, stream_id: UUID) -> ForeignWorkerFile:
    return ForeignWorkerFile(
        id=stream_id,
        version=0,
        status=FileStatus.registered,
        person=event.person,
        sex=event.sex,
        nationality=event.nationality,
        employer_tax_code=event.employer_tax_code,
        position=event.position,
        job_title=event.job_title,
        qualifications=event.qualifications,
        commune_code=event.commune_code,
        province_code=event.province_code,
        engaged_on=event.engaged_on,
    )


def _record(state: ForeignWorkerFile, event: EventPayload) -> ForeignWorkerFile:
    """What the event adds to the file, apart from the status change."""
    match event:
        case PermitApplied():
            return replace(state, permit_applied_on=event.applied_on)
        case PermitIssued():
            permit = PermitRecord(
                permit_number=event.permit_number,
                issue_date=event.issue_date,
                expiry_date=event.expiry_date,
                position=event.position,
                work_location=event.work_location,
                applied_on=state.permit_applied_on,
            )
            return replace(state, authorisation=permit, revocation=None, permit_applied_on=None)
        case PermitExtensionApplied():
            permit = replace(_permit_of(state), extension_applied_on=event.applied_on)
            return replace(state, authorisation=permit)
        case PermitExtended():
            permit = replace(
                _permit_of(state),
                expiry_date=event.new_expiry_date,
                extended_on=event.extended_on,
                original_expiry_date=event.previous_expiry_date,
            )
            return replace(state, authorisation=permit)
        case PermitRevoked():
            return replace(state, revocation=Revocation(event.reason, event.revoked_on))
        case ExemptionCertified():
            exemption = ExemptionRecord(
                event.legal_ground, event.certificate_number, event.valid_from, event.valid_until
            )
            return replace(state, authorisation=exemption, revocation=None, permit_applied_on=None)
        case EmploymentEnded():
            return replace(state, employment_end=EmploymentEnd(event.ended_on, event.reason))
        case HealthCheckRecorded():
            return replace(
                state, health_check=HealthCheck(event.checked_on, event.result, event.facility)
            )
        case TemporaryResidenceRegistered():
            residence = Residence(event.card.number, event.valid_from, event.valid_until)
            return replace(state, residence=residence)
    return state
