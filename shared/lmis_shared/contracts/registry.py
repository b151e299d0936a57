"""Events produced by the registry service (outbound workers and their loans).

Personal identifiers sit together under `person`, apart from the fields that indicators and
agencies need (commune, sex, ethnicity, priority groups): that keeps them easy to redact for a
topic that must not carry them and, later, to encrypt with a per-person key.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from lmis_shared.events import EventPayload, event
from lmis_shared.privacy.erasure import PersonalDataErased


class Sex(StrEnum):
    male = "male"
    female = "female"


class PriorityGroup(StrEnum):
    demobilised_soldier = "demobilised_soldier"
    ethnic_minority = "ethnic_minority"
    poor_household = "poor_household"
    near_poor_household = "near_poor_household"
    land_lost_farmer = "land_lost_farmer"
    difficult_area = "difficult_area"


class Person(BaseModel):
    """Personal data of a worker file. Never logged, never traced."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    full_name: str
    date_of_birth: date
    citizen_id: str


@event("lmis.registry.worker.registered.v1", stream_type="worker")
class WorkerRegistered(EventPayload):
    person: Person
    sex: Sex
    ethnicity: str
    commune_code: str
    province_code: str
    priority_groups: tuple[PriorityGroup, ...] = ()
    registered_on: date


# --- the rest of a worker file's lifecycle -------------------------------------------------
#
# One event per business fact, past tense. A profile update carries only what changed and
# names it in `changed`; nothing here is a whole-record "updated" snapshot.


class Education(StrEnum):
    none = "none"
    primary = "primary"
    lower_secondary = "lower_secondary"
    upper_secondary = "upper_secondary"
    vocational = "vocational"
    college = "college"
    university = "university"


class PersonChanges(BaseModel):
    """The personal fields a profile update changed. Never logged, never traced."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    full_name: str | None = None
    date_of_birth: date | None = None
    citizen_id: str | None = None
    passport_number: str | None = None
    phone: str | None = None
    village: str | None = None


@event("lmis.registry.worker.profile_updated.v1", stream_type="worker")
class WorkerProfileUpdated(EventPayload):
    """`changed` names every field the update set, in dotted form (`person.full_name`,
    `commune_code`); a named field whose value is null was cleared. Fields not named are
    unchanged whatever their value here (null)."""

    changed: tuple[str, ...]
    person: PersonChanges | None = None
    sex: Sex | None = None
    ethnicity: str | None = None
    commune_code: str | None = None
    province_code: str | None = None
    priority_groups: tuple[PriorityGroup, ...] | None = None
    education: Education | None = None
    occupation: str | None = None


class TrainingKind(StrEnum):
    language = "language"
    orientation = "orientation"
    vocational = "vocational"


class Exam(StrEnum):
    eps_topik = "eps_topik"
    jlpt = "jlpt"
    other = "other"


@event("lmis.registry.worker.enrolled_in_training.v1", stream_type="worker")
class WorkerEnrolledInTraining(EventPayload):
    kind: TrainingKind
    centre: str
    language: str | None = None
    """ISO 639-1 code of the language taught (`ko`, `ja`, ...), for language training only."""
    enrolled_on: date


@event("lmis.registry.worker.training_result_recorded.v1", stream_type="worker")
class WorkerTrainingResultRecorded(EventPayload):
    kind: TrainingKind
    completed_on: date
    passed: bool
    exam: Exam | None = None
    score: int | None = None


class SendingOrganisationKind(StrEnum):
    licensed_enterprise = "licensed_enterprise"
    public_service_centre = "public_service_centre"
    individual_contract = "individual_contract"


class SendingOrganisation(BaseModel):
    """Who sends the worker: a licensed enterprise (with its licence number), a public
    employment service centre, or nobody (the worker signed an individual contract)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: SendingOrganisationKind
    name: str | None = None
    licence_number: str | None = None


class Sector(StrEnum):
    manufacturing = "manufacturing"
    construction = "construction"
    agriculture = "agriculture"
    fishery = "fishery"
    food_processing = "food_processing"
    caregiving = "caregiving"
    domestic_work = "domestic_work"
    hospitality = "hospitality"
    shipbuilding = "shipbuilding"
    services = "services"
    other = "other"


@event("lmis.registry.worker.contract_signed.v1", stream_type="worker")
class WorkerContractSigned(EventPayload):
    """`end_date` is `start_date` plus `duration_months` (the expected end, before any
    extension); amounts are whole VND."""

    destination_country: str
    programme: str
    sending_organisation: SendingOrganisation
    employer: str
    sector: Sector
    start_date: date
    duration_months: int
    end_date: date
    monthly_salary_vnd: int
    fees_vnd: dict[str, int]
    signed_on: date


@event("lmis.registry.worker.departed.v1", stream_type="worker")
class WorkerDeparted(EventPayload):
    departure_date: date
    border_gate: str


@event("lmis.registry.worker.contract_extended.v1", stream_type="worker")
class WorkerContractExtended(EventPayload):
    previous_end_date: date
    new_end_date: date


class ReturnReason(StrEnum):
    contract_completed = "contract_completed"
    early_termination = "early_termination"
    sickness = "sickness"
    accident = "accident"
    employer_closed = "employer_closed"
    deported = "deported"
    personal = "personal"
    other = "other"


@event("lmis.registry.worker.returned.v1", stream_type="worker")
class WorkerReturned(EventPayload):
    closes_file: ClassVar[bool] = True
    """Closes the file: its retention period starts (`lmis_shared.privacy.retention`)."""

    return_date: date
    reason: ReturnReason


class ReturnIntention(StrEnum):
    """What a returnee means to do next (the Lai Châu plan: use returnees' skills at home)."""

    work_locally = "work_locally"
    start_business = "start_business"
    """With a job-creation loan of the social-policy bank (a loan of purpose `job_creation`)."""
    go_abroad_again = "go_abroad_again"


@event("lmis.registry.worker.return_skills_recorded.v1", stream_type="worker")
class WorkerReturnSkillsRecorded(EventPayload):
    """What a returned worker brings back, recorded with the worker's answer on being contacted
    about local jobs. A later record replaces an earlier one (the consent can be withdrawn)."""

    consent_to_contact: bool
    occupation_code: str
    """Vietnamese occupation classification (VSCO, Decision 34/2020/QĐ-TTg), 4 digits."""
    sector: Sector
    """The sector of the work abroad."""
    years_of_experience: int
    certificates: tuple[str, ...] = ()
    language: str | None = None
    """ISO 639-1 code of the foreign language used abroad."""
    language_level: str | None = None
    """As certified or assessed, e.g. "TOPIK 3", "JLPT N3", "B1"."""
    intention: ReturnIntention
    recorded_on: date


class ReportSource(StrEnum):
    """Who told the authorities (the report itself, not a person's name)."""

    sending_organisation = "sending_organisation"
    employer = "employer"
    embassy = "embassy"
    destination_authority = "destination_authority"
    police = "police"
    commune = "commune"
    family = "family"
    other = "other"


@event("lmis.registry.worker.absconded.v1", stream_type="worker")
class WorkerAbsconded(EventPayload):
    absconded_on: date
    source: ReportSource


@event("lmis.registry.worker.overstayed.v1", stream_type="worker")
class WorkerOverstayed(EventPayload):
    """The contract ended and the worker did not come back ("lao động ở lại trái phép")."""

    overstaying_since: date
    source: ReportSource


class WithdrawalReason(StrEnum):
    failed_training = "failed_training"
    failed_exam = "failed_exam"
    health = "health"
    visa_refused = "visa_refused"
    no_placement = "no_placement"
    personal = "personal"
    other = "other"


@event("lmis.registry.worker.withdrawn.v1", stream_type="worker")
class WorkerWithdrawn(EventPayload):
    """The worker gave up before departure; the file is closed."""

    closes_file: ClassVar[bool] = True

    withdrawn_on: date
    reason: WithdrawalReason


@event("lmis.registry.worker.erased.v1", stream_type="worker")
class WorkerErased(PersonalDataErased):
    """The worker's personal data was erased (a request, or the end of the retention period):
    the worker's data key is destroyed, so the `person` fields of every event of the file are
    unreadable everywhere. The file's other facts stay and still count. Who erased is the
    event's actor; no personal data here."""
