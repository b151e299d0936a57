"""What a command on a foreign worker file decides: the transition table (`ALLOWED`) first,
then the command's rules against the file and today's date. Pure: events out, or a refusal
naming the field."""

from __future__ import annotations

from datetime import date

from lmis_permits.domain.employers import Employer
from lmis_permits.domain.errors import IllegalTransition, existing
from lmis_permits.domain.foreign_workers.commands import (
    ApplyForExtension,
    ApplyForPermit,
    CertifyExemption,
    EndEmployment,
    ExtendPermit,
    ForeignWorkerCommand,
    IssuePermit,
    RecordHealthCheck,
    RegisterForeignWorker,
    RegisterResidence,
    RevokePermit,
)
from lmis_permits.domain.foreign_workers.state import ALLOWED, ForeignWorkerFile, PermitRecord
from lmis_permits.domain.headcount import Headcount
from lmis_permits.domain.rules import PermitRules, add_years, age_on
from lmis_shared.contracts.permits import (
    EmploymentEnded,
    ExemptionCertified,
    ForeignPerson,
    ForeignWorkerRegistered,
    HealthCheckRecorded,
    PermitApplied,
    PermitExtended,
    PermitExtensionApplied,
    PermitIssued,
    PermitRevoked,
    ResidenceCard,
    TemporaryResidenceRegistered,
)
from lmis_shared.dates import happened, not_before
from lmis_shared.errors import InvalidInput
from lmis_shared.events import EventPayload
from lmis_shared.records import record_from


def decide(
    state: ForeignWorkerFile | None,
    command: ForeignWorkerCommand,
    today: date,
    *,
    rules: PermitRules,
    employer: Employer | None = None,
    headcount: Headcount | None = None,
) -> list[EventPayload]:
    """The events of `command` on the file (None: a registration opens it, in `employer`'s
    work location and within `headcount`, both required then)."""
    if isinstance(command, RegisterForeignWorker):
        if state is not None:
            raise IllegalTransition(state.status.value, ALLOWED[state.status], command="register")
        if employer is None or headcount is None:
            raise TypeError("a registration needs the employer and its headcount")
        return [_register(employer, command, today, rules, headcount)]
    state = existing(state, "register", command.name.value)
    if state.erasure is not None:  # its personal data is gone: nothing more is recorded
        raise IllegalTransition("erased", [], command=command.name.value)
    allowed = ALLOWED[state.status]
    if command.name not in allowed:
        raise IllegalTransition(state.status.value, allowed, command=command.name.value)
    match command:
        case ApplyForPermit():
            return [PermitApplied(applied_on=happened("applied_on", command.applied_on, today))]
        case IssuePermit():
            return [_issue(state, command, today, rules)]
        case ApplyForExtension():
            return [_apply_extension(state.held_permit(), command, today, rules)]
        case ExtendPermit():
            return [_extend(state.held_permit(), command, today, rules)]
        case RevokePermit():
            return [_revoke(state.held_permit(), command, today)]
        case CertifyExemption():
            return [_certify(command, rules)]
        case EndEmployment():
            ended_on = happened("date", command.ended_on, today)
            not_before("date", ended_on, state.engaged_on, "engagement")
            return [EmploymentEnded(ended_on=ended_on, reason=command.reason)]
        case RecordHealthCheck():
            return [
                HealthCheckRecorded(
                    checked_on=happened("checked_on", command.checked_on, today),
                    result=command.result,
                    facility=command.facility,
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


def _register(
    employer: Employer,
    command: RegisterForeignWorker,
    today: date,
    rules: PermitRules,
    headcount: Headcount,
) -> ForeignWorkerRegistered:
    """Open the file in the employer's work location, within the approved headcount."""
    engaged_on = command.engaged_on or today
    if command.date_of_birth >= engaged_on or command.date_of_birth > today:
        raise InvalidInput("date_of_birth", "must be before engaged_on and not in the future")
    if age_on(command.date_of_birth, engaged_on) < rules.minimum_age:
        raise InvalidInput(
            "date_of_birth", f"a foreign worker must be at least {rules.minimum_age}"
        )
    headcount.check_room_for_one_more()
    return record_from(
        ForeignWorkerRegistered,
        command,
        person=record_from(ForeignPerson, command),
        employer_tax_code=employer.tax_code,
        commune_code=employer.commune_code,  # the file lives where the employer works
        province_code=employer.province_code,
        engaged_on=engaged_on,
    )


def _issue(
    state: ForeignWorkerFile, command: IssuePermit, today: date, rules: PermitRules
) -> PermitIssued:
    issue_date = happened("issue_date", command.issue_date, today)
    not_before("issue_date", issue_date, state.permit_applied_on, "application")
    if command.expiry_date > add_years(issue_date, rules.max_permit_years):
        raise InvalidInput(
            "expiry_date", f"must be at most {rules.max_permit_years} years after issue_date"
        )
    return record_from(
        PermitIssued,
        command,
        issue_date=issue_date,
        position=state.position,
        employer_tax_code=state.employer_tax_code,
    )


def _apply_extension(
    permit: PermitRecord, command: ApplyForExtension, today: date, rules: PermitRules
) -> PermitExtensionApplied:
    applied_on = happened("applied_on", command.applied_on, today)
    opens, closes = rules.extension_window(permit.expiry_date)
    if not opens <= applied_on <= closes:
        raise InvalidInput(
            "applied_on",
            f"an extension is applied for between {rules.extension_opens_days_before} and "
            f"{rules.extension_closes_days_before} days before expiry: from {opens} to {closes}",
        )
    return PermitExtensionApplied(applied_on=applied_on, current_expiry_date=permit.expiry_date)


def _extend(
    permit: PermitRecord, command: ExtendPermit, today: date, rules: PermitRules
) -> PermitExtended:
    extended_on = happened("extended_on", command.extended_on, today)
    not_before("extended_on", extended_on, permit.extension_applied_on, "extension application")
    if command.new_expiry_date <= permit.expiry_date:
        raise InvalidInput(
            "new_expiry_date", f"must be after the current expiry ({permit.expiry_date})"
        )
    if command.new_expiry_date > add_years(permit.expiry_date, rules.max_extension_years):
        raise InvalidInput(
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
    revoked_on = happened("revoked_on", command.revoked_on, today)
    not_before("revoked_on", revoked_on, permit.issue_date, "issue date")
    return PermitRevoked(
        permit_number=permit.permit_number, reason=command.reason, revoked_on=revoked_on
    )


def _certify(command: CertifyExemption, rules: PermitRules) -> ExemptionCertified:
    if command.valid_until > add_years(command.valid_from, rules.max_exemption_years):
        raise InvalidInput(
            "valid_until", f"must be at most {rules.max_exemption_years} years after valid_from"
        )
    return record_from(ExemptionCertified, command)
