"""`decide`: a command and the file's state (None before registration) in, the events it causes
out, or a refusal.

Today's date is an argument, never read here. Dates follow two rules
(`lmis_shared.dates`):
  * a fact that has happened cannot be dated in the future (a departure tomorrow); a date in
    the past is normal (files are often recorded after the fact);
  * a file's facts stay in order: a result after its enrolment, a departure after the
    signing, a return after the departure, overstaying after the contract's end.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any

from lmis_registry.domain.errors import IllegalTransition, InvalidField
from lmis_registry.domain.senders.state import SendingOrganisation
from lmis_registry.domain.workers import commands as c
from lmis_registry.domain.workers import follow_up
from lmis_registry.domain.workers.checks import IdentityAnswer
from lmis_registry.domain.workers.lifecycle import allowed_commands, ensure_allowed
from lmis_registry.domain.workers.return_skills import record_return_skills
from lmis_registry.domain.workers.sender_check import Where, check_sender
from lmis_registry.domain.workers.state import Abroad, Contract, WorkerFile
from lmis_shared.contracts.registry import (
    Person,
    PersonChanges,
    WorkerAbsconded,
    WorkerContractExtended,
    WorkerContractSigned,
    WorkerDeparted,
    WorkerEnrolledInTraining,
    WorkerOverstayed,
    WorkerProfileUpdated,
    WorkerRegistered,
    WorkerReturned,
    WorkerTrainingResultRecorded,
    WorkerWithdrawn,
)
from lmis_shared.dates import happened, not_before
from lmis_shared.events import EventPayload
from lmis_shared.records import record_from, validated_already
from lmis_shared.reference import citizen_id, units

ERASED = "erased"
"""The `current_state` a command on an erased file is refused in."""
MINIMUM_AGE = 18  # Law 69/2020/QH14, art. 44: a worker going abroad must be at least 18
PERSON_FIELDS = ("full_name", "date_of_birth", "citizen_id", "passport_number", "phone", "village")


def decide(
    state: WorkerFile | None,
    command: c.AnyWorkerCommand | c.RegisterWorker,
    today: date,
    *,
    identity: tuple[IdentityAnswer, datetime] | None = None,
    sender: SendingOrganisation | None = None,
) -> list[EventPayload]:
    """The events `command` causes on `state` (None: no file yet, only `register` runs);
    raises IllegalTransition or InvalidField. A registration (and `check-identity`) records
    `identity`, the population register's answer and when it was given. `sender`: the
    register's entry of a contract's sending organisation, as the use case found it (None:
    not found, or none named)."""
    if isinstance(command, c.RegisterWorker):
        if state is not None:
            allowed = allowed_commands(state)
            raise IllegalTransition(state.status.value, allowed, command=command.command_name)
        if not identity:  # an import's rows: the registration's events as they are
            return _register(command, today)
        return [*_register(command, today), identity[0].as_event(identity[1])]
    if state is None:
        raise IllegalTransition("absent", [c.RegisterWorker.command_name], command.command_name)
    if state.erasure is not None:  # its personal data is gone: nothing more is recorded
        raise IllegalTransition(ERASED, [], command.command_name)
    ensure_allowed(state, command.command_name)
    match command:
        case c.UpdateProfile():
            return _update_profile(state, command, today)
        case c.EnrolTraining():
            return [_enrol(command, today)]
        case c.RecordTrainingResult():
            return [_training_result(state, command, today)]
        case c.SignContract():
            signed = _sign(command, today, sender)
            where = Where(state.commune_code, state.province_code)
            sender_checked = check_sender(command, sender, signed.signed_on, where)
            return [signed] if sender_checked is None else [signed, sender_checked]
        case c.RecordDeparture():
            return [_depart(_contract(state), command, today)]
        case c.ExtendContract():
            return [_extend(state, command)]
        case c.RecordReturn():
            return [_return(_abroad(state), command, today)]
        case c.ReportAbsconded():
            return [_abscond(state, command, today)]
        case c.ReportOverstaying():
            return [_overstay(state, command, today)]
        case follow_up.RecordResidenceCheck():
            return [follow_up.residence_checked(state, command, today)]
        case follow_up.CheckIdentity():
            if identity is None:  # the use case asks the register first, always
                raise InvalidField("identity", "was not checked against the register")
            return [identity[0].as_event(identity[1])]
        case follow_up.RecordFamilyVisit():
            return [follow_up.family_visited(state, command, today)]
        case c.RecordReturnSkills():
            return [record_return_skills(state, command, today)]
        case c.Withdraw():
            when = happened("withdrawn_on", command.withdrawn_on, today)
            return [WorkerWithdrawn(withdrawn_on=when, reason=command.reason)]


def expected_end(start: date, months: int) -> date:
    """`start` plus whole months; a day the target month lacks becomes its last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


# --- registration and profile -----------------------------------------------------------


def _register(command: c.RegisterWorker, today: date) -> list[EventPayload]:
    registered_on = happened("registered_on", command.registered_on, today)
    happened("date_of_birth", command.date_of_birth, today)
    _check_age(command.date_of_birth, registered_on)
    province = units.province_of(command.commune_code)
    assert province is not None  # the command validated the commune
    # the command's fields are validated to the event's types: the event is not validated
    # again (`validated_already`, proven equal by `test_registration_event`)
    person = {
        "full_name": command.full_name,
        "date_of_birth": command.date_of_birth,
        "citizen_id": command.citizen_id,
    }
    return [
        validated_already(
            WorkerRegistered,
            {
                "person": validated_already(Person, person),
                "sex": command.sex,
                "ethnicity": command.ethnicity,
                "commune_code": command.commune_code,
                "province_code": province,
                "priority_groups": command.priority_groups,
                "registered_on": registered_on,
            },
        )
    ]


def _update_profile(state: WorkerFile, command: c.UpdateProfile, today: date) -> list[EventPayload]:
    changed = {k: v for k, v in command.changes().items() if v != _current(state, k)}
    if not changed:
        return []  # nothing differs: a no-op, not an event
    _check_identity(state, changed, today)
    if "commune_code" in changed:
        province = units.province_of(changed["commune_code"])
        if province != state.province_code:
            changed["province_code"] = province
    person = {k: changed[k] for k in PERSON_FIELDS if k in changed}
    others = {k: v for k, v in changed.items() if k not in PERSON_FIELDS}
    return [
        WorkerProfileUpdated(
            changed=tuple(f"person.{k}" if k in PERSON_FIELDS else k for k in changed),
            person=PersonChanges(**person) if person else None,
            **others,
        )
    ]


def _current(state: WorkerFile, field: str) -> Any:
    for holder in (state.person, state.contact, state):
        if hasattr(holder, field):
            return getattr(holder, field)
    raise AttributeError(field)


def _check_identity(state: WorkerFile, changed: dict[str, Any], today: date) -> None:
    """A changed citizen ID, date of birth or sex must agree with the rest of the identity."""
    if not changed.keys() & {"citizen_id", "date_of_birth", "sex"}:
        return
    number = changed.get("citizen_id", state.person.citizen_id)
    born = changed.get("date_of_birth", state.person.date_of_birth)
    sex = changed.get("sex", state.sex)
    if "date_of_birth" in changed:
        happened("date_of_birth", born, today)
        _check_age(born, state.registered_on)
    try:
        citizen_id.check_matches(number, born, sex)
    except citizen_id.CitizenIdProblem as problem:
        field = next(f for f in ("citizen_id", "date_of_birth", "sex") if f in changed)
        raise InvalidField(field, str(problem)) from None


# --- training and contract ----------------------------------------------------------------


def _enrol(command: c.EnrolTraining, today: date) -> EventPayload:
    return WorkerEnrolledInTraining(
        kind=command.kind,
        centre=command.centre,
        language=command.language,
        enrolled_on=happened("enrolled_on", command.enrolled_on, today),
    )


def _training_result(
    state: WorkerFile, command: c.RecordTrainingResult, today: date
) -> EventPayload:
    training = state.pending_training(command.kind)
    if training is None:
        raise InvalidField("kind", "no enrolment in this kind of training awaits a result")
    completed_on = happened("completed_on", command.completed_on, today)
    not_before("completed_on", completed_on, training.enrolled_on, "enrolment")
    return record_from(WorkerTrainingResultRecorded, command, completed_on=completed_on)


def _sign(
    command: c.SignContract, today: date, sender: SendingOrganisation | None
) -> WorkerContractSigned:
    signed_on = happened("signed_on", command.signed_on, today)
    named = command.sending_organisation.to_contract()
    if sender is not None:  # the register's name and licence number, not the typed ones
        named = named.model_copy(
            update={"name": sender.name, "licence_number": sender.licence_number}
        )
    return record_from(
        WorkerContractSigned,
        command,
        sending_organisation=named,
        end_date=expected_end(command.start_date, command.duration_months),
        signed_on=signed_on,
    )


# --- abroad and back ----------------------------------------------------------------------


def _depart(contract: Contract, command: c.RecordDeparture, today: date) -> EventPayload:
    departed = happened("departure_date", command.departure_date, today)
    not_before("departure_date", departed, contract.signed_on, "contract signing")
    if departed >= contract.end_date:
        raise InvalidField("departure_date", "must be before the contract's end date")
    return WorkerDeparted(departure_date=departed, border_gate=command.border_gate)


def _extend(state: WorkerFile, command: c.ExtendContract) -> EventPayload:
    contract = _contract(state)
    if command.new_end_date <= contract.end_date:
        raise InvalidField("new_end_date", "must be after the contract's current end date")
    return WorkerContractExtended(
        previous_end_date=contract.end_date, new_end_date=command.new_end_date
    )


def _return(abroad: Abroad, command: c.RecordReturn, today: date) -> EventPayload:
    returned = happened("return_date", command.return_date, today)
    not_before("return_date", returned, abroad.departure_date, "departure")
    not_before("return_date", returned, abroad.absconded_on, "absconding")
    not_before("return_date", returned, abroad.overstaying_since, "start of the overstay")
    return WorkerReturned(return_date=returned, reason=command.reason)


def _abscond(state: WorkerFile, command: c.ReportAbsconded, today: date) -> EventPayload:
    left = happened("date", command.date, today)
    not_before("date", left, _abroad(state).departure_date, "departure")
    if left > _contract(state).end_date:
        raise InvalidField("date", "is after the contract's end: report overstaying instead")
    return WorkerAbsconded(absconded_on=left, source=command.source)


def _overstay(state: WorkerFile, command: c.ReportOverstaying, today: date) -> EventPayload:
    since = happened("date", command.date, today)
    if since <= _contract(state).end_date:
        raise InvalidField("date", "must be after the contract's end date")
    not_before("date", since, _abroad(state).absconded_on, "absconding")
    return WorkerOverstayed(overstaying_since=since, source=command.source)


# --- helpers ------------------------------------------------------------------------------


def _contract(state: WorkerFile) -> Contract:
    assert state.contract is not None  # the lifecycle only allows this once contracted
    return state.contract


def _abroad(state: WorkerFile) -> Abroad:
    assert state.abroad is not None  # the lifecycle only allows this once departed
    return state.abroad


def _check_age(born: date, on: date) -> None:
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if age < MINIMUM_AGE:
        raise InvalidField("date_of_birth", f"the worker must be at least {MINIMUM_AGE}")
