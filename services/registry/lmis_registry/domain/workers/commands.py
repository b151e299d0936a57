"""Commands on a worker file's lifecycle: frozen pydantic models that check each field alone.

A refused field is a 422 naming the field (pydantic's `loc`), its value never echoed. Rules
that need the file's state (dates in order, a pending enrolment) are checked by `decide`,
which raises `InvalidField` naming the field too.
"""

from __future__ import annotations

import datetime as dt
import re
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from lmis_registry.domain.workers import lifecycle, reference
from lmis_registry.domain.workers.fields import (
    FeeName,
    OverrideReason,
    Vnd,
    Wording,
    WorkerCommand,
    example,
)
from lmis_registry.domain.workers.follow_up import (
    CheckIdentity,
    RecordFamilyVisit,
    RecordResidenceCheck,
)
from lmis_registry.domain.workers.profile import RegisterWorker, UpdateProfile
from lmis_registry.domain.workers.return_skills import RecordReturnSkills
from lmis_shared.contracts.registry import (
    Exam,
    ReportSource,
    ReturnReason,
    Sector,
    SendingOrganisation,
    SendingOrganisationKind,
    TrainingKind,
    WithdrawalReason,
)
from lmis_shared.text import clean_text

EXAM_MAXIMUM = {Exam.eps_topik: 200, Exam.jlpt: 180, Exam.other: 1000}


# --- training ----------------------------------------------------------------------------


class EnrolTraining(WorkerCommand):
    """Enrol the worker in a course: foreign language, orientation or vocational."""

    command_name = lifecycle.ENROL_TRAINING
    model_config = example(
        {
            "kind": "language",
            "centre": "Trung tâm Ngoại ngữ Lai Châu",
            "language": "ko",
            "enrolled_on": "2026-03-02",
        }
    )

    kind: TrainingKind
    centre: Wording = Field(description="the training centre's name")
    language: str | None = Field(
        None, validate_default=True, description="ISO 639-1 code; language training only"
    )
    enrolled_on: dt.date | None = Field(None, description="defaults to today")

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None, info: ValidationInfo) -> str | None:
        is_language = info.data.get("kind") == TrainingKind.language
        if value is None:
            if is_language:
                raise ValueError("is required for language training")
            return None
        if not is_language:
            raise ValueError("is only given for language training")
        if not re.fullmatch(r"[a-z]{2}", value):
            raise ValueError("must be an ISO 639-1 code such as 'ko' or 'ja'")
        return value


class RecordTrainingResult(WorkerCommand):
    """Record how a course ended: completed, passed or failed, with the exam score if any."""

    command_name = lifecycle.RECORD_TRAINING_RESULT
    model_config = example(
        {
            "kind": "language",
            "completed_on": "2026-06-30",
            "passed": True,
            "exam": "eps_topik",
            "score": 142,
        }
    )

    kind: TrainingKind
    completed_on: dt.date | None = Field(None, description="defaults to today")
    passed: bool
    exam: Exam | None = None
    score: int | None = Field(None, ge=0, description="the exam's score (EPS-TOPIK: 0-200)")

    @field_validator("score")
    @classmethod
    def _score(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None:
            return None
        exam = info.data.get("exam")
        if exam is None:
            raise ValueError("needs the exam it was scored in")
        if value > EXAM_MAXIMUM[exam]:
            raise ValueError(f"must not exceed {EXAM_MAXIMUM[exam]} for this exam")
        return value


# --- contract ----------------------------------------------------------------------------


class SendingOrganisationInput(BaseModel):
    """A licensed enterprise (name and licence number), a public employment service centre
    (name), or `individual_contract` (neither). `organisation_id` names the organisation in
    the register (`/v1/sending-organisations`); given, the name and licence number may be left
    out (the register's are recorded). Without it, a licensed enterprise is looked up by its
    licence number (the form clients used before the register existed)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    kind: SendingOrganisationKind
    organisation_id: UUID | None = Field(
        None, description="the organisation's id in the register of sending organisations"
    )
    name: Wording | None = Field(None, validate_default=True)
    licence_number: str | None = Field(
        None, max_length=50, validate_default=True, examples=["123/LĐTBXH-GP"]
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        individual = kind == SendingOrganisationKind.individual_contract
        if individual and value is not None:
            raise ValueError("is not given for an individual contract")
        if individual and info.data.get("organisation_id") is not None:
            raise ValueError("an individual contract names no organisation")
        registered = info.data.get("organisation_id") is not None
        if kind is not None and not individual and value is None and not registered:
            raise ValueError("is required for a sending organisation")
        return value

    @field_validator("licence_number")
    @classmethod
    def _licence(cls, value: str | None, info: ValidationInfo) -> str | None:
        licensed = info.data.get("kind") == SendingOrganisationKind.licensed_enterprise
        if value is None:
            if licensed and info.data.get("organisation_id") is None:
                raise ValueError("is required for a licensed enterprise")
            return None
        if not licensed:
            raise ValueError("is only given for a licensed enterprise")
        value = clean_text(value)
        if not any(c.isdigit() for c in value):
            raise ValueError("must contain the licence's number")
        return value

    def to_contract(self) -> SendingOrganisation:
        return SendingOrganisation(
            kind=self.kind, name=self.name, licence_number=self.licence_number
        )  # the register's id travels in `worker.sender_checked`, not in this v1 contract


class SignContract(WorkerCommand):
    """Record the signed contract: where, through whom, for whom, for how long, for what pay,
    and what the worker paid to get it (itemised, in VND)."""

    command_name = lifecycle.SIGN_CONTRACT
    model_config = example(
        {
            "destination_country": "KR",
            "programme": "korea_eps",
            "sending_organisation": {
                "kind": "public_service_centre",
                "name": "Trung tâm Lao động ngoài nước",
            },
            "employer": "Hanil Manufacturing Co.",
            "sector": "manufacturing",
            "start_date": "2026-09-01",
            "duration_months": 36,
            "monthly_salary_vnd": 42000000,
            "fees_vnd": {"service_fee": 650000, "deposit": 100000000},
            "signed_on": "2026-07-15",
        }
    )

    destination_country: str = Field(description="ISO 3166-1 alpha-2 code", examples=["KR"])
    programme: str = Field(
        description=f"one of: {', '.join(reference.PROGRAMMES)}", examples=["korea_eps"]
    )
    sending_organisation: SendingOrganisationInput
    employer: Wording
    sector: Sector
    start_date: dt.date
    duration_months: int = Field(ge=1, le=120)
    monthly_salary_vnd: Vnd
    fees_vnd: dict[FeeName, Vnd] = Field(
        default_factory=dict,
        max_length=20,
        description="amounts actually paid, by name (service_fee, brokerage_refund, deposit…)",
    )
    signed_on: dt.date | None = Field(None, description="defaults to today; may be in the past")
    override_reason: OverrideReason | None = Field(
        None,
        description="enters a contract whose sending organisation fails the register's check "
        "(unknown, unlicensed, suspended, expired, or not for this market): a historical record. "
        "Audited (the event names who and why) and flagged to the province and the police.",
    )

    @field_validator("destination_country")
    @classmethod
    def _country(cls, value: str) -> str:
        value = value.upper()
        if not reference.is_country(value):
            raise ValueError("is not an ISO 3166-1 alpha-2 country code")
        if value == reference.HOME_COUNTRY:
            raise ValueError("must be a country abroad")
        return value

    @field_validator("programme")
    @classmethod
    def _programme(cls, value: str, info: ValidationInfo) -> str:
        programme = reference.PROGRAMMES.get(value)
        if programme is None:
            raise ValueError(f"must be one of: {', '.join(reference.PROGRAMMES)}")
        country = info.data.get("destination_country")
        if country is not None and not programme.sends_to(country):
            raise ValueError("does not send workers to this destination")
        return value


# --- abroad and back ---------------------------------------------------------------------


class RecordDeparture(WorkerCommand):
    """The worker left Vietnam for the contract."""

    command_name = lifecycle.RECORD_DEPARTURE
    model_config = example({"departure_date": "2026-09-01", "border_gate": "Nội Bài"})

    departure_date: dt.date
    border_gate: Wording = Field(description="airport or land border gate of exit")


class ExtendContract(WorkerCommand):
    """The contract was extended to a new end date."""

    command_name = lifecycle.EXTEND_CONTRACT
    model_config = example({"new_end_date": "2030-08-31"})

    new_end_date: dt.date


class RecordReturn(WorkerCommand):
    """The worker came back to Vietnam; the file is closed."""

    command_name = lifecycle.RECORD_RETURN
    model_config = example({"return_date": "2029-09-03", "reason": "contract_completed"})

    return_date: dt.date
    reason: ReturnReason


class ReportAbsconded(WorkerCommand):
    """The worker left the employer during the contract, as reported by `source`."""

    command_name = lifecycle.REPORT_ABSCONDED
    model_config = example({"date": "2027-05-20", "source": "employer"})

    date: dt.date = Field(description="the day the worker left the employer")
    source: ReportSource


class ReportOverstaying(WorkerCommand):
    """The contract ended and the worker has not come back, as reported by `source`."""

    command_name = lifecycle.REPORT_OVERSTAYING
    model_config = example({"date": "2029-10-01", "source": "embassy"})

    date: dt.date = Field(description="since when the worker overstays (after the contract end)")
    source: ReportSource


class Withdraw(WorkerCommand):
    """The worker gives up before departure; the file is closed."""

    command_name = lifecycle.WITHDRAW
    model_config = example({"reason": "failed_exam", "withdrawn_on": "2026-07-01"})

    reason: WithdrawalReason
    withdrawn_on: dt.date | None = Field(None, description="defaults to today")


AnyWorkerCommand = (
    UpdateProfile
    | EnrolTraining
    | RecordTrainingResult
    | SignContract
    | RecordDeparture
    | ExtendContract
    | RecordReturn
    | RecordReturnSkills
    | ReportAbsconded
    | ReportOverstaying
    | Withdraw
    | RecordResidenceCheck
    | CheckIdentity
    | RecordFamilyVisit
)


__all__ = [
    "EXAM_MAXIMUM",
    "AnyWorkerCommand",
    "CheckIdentity",
    "EnrolTraining",
    "ExtendContract",
    "RecordDeparture",
    "RecordFamilyVisit",
    "RecordResidenceCheck",
    "RecordReturn",
    "RecordReturnSkills",
    "RecordTrainingResult",
    "RegisterWorker",
    "ReportAbsconded",
    "ReportOverstaying",
    "SendingOrganisationInput",
    "SignContract",
    "UpdateProfile",
    "Withdraw",
    "WorkerCommand",
]
