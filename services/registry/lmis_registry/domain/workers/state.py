"""A worker file's state, folded from its events: plain frozen values, no behaviour but reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from uuid import UUID

from lmis_registry.domain.workers.checks import FollowUp
from lmis_shared.commands import VersionedState
from lmis_shared.contracts.registry import (
    Education,
    Exam,
    Person,
    PriorityGroup,
    ReportSource,
    ReturnReason,
    Sector,
    SendingOrganisation,
    Sex,
    TrainingKind,
    WithdrawalReason,
    WorkerReturnSkillsRecorded,
)
from lmis_shared.contracts.registry_senders import SenderCheckOutcome, SenderProblem
from lmis_shared.privacy.erasure import Erasure


class WorkerStatus(StrEnum):
    registered = "registered"
    in_training = "in_training"
    contracted = "contracted"
    departed = "departed"
    returned = "returned"
    absconded = "absconded"
    overstaying = "overstaying"
    withdrawn = "withdrawn"


CLOSED = frozenset({WorkerStatus.returned, WorkerStatus.withdrawn})
"""A closed file accepts no command, and frees its citizen to open a new one."""


@dataclass(frozen=True)
class Contact:
    """Personal details beyond the registration's identity: never logged, never traced."""

    passport_number: str | None = None
    phone: str | None = None
    village: str | None = None


@dataclass(frozen=True)
class Training:
    kind: TrainingKind
    centre: str
    language: str | None
    enrolled_on: date
    completed_on: date | None = None
    passed: bool | None = None
    exam: Exam | None = None
    score: int | None = None

    @property
    def pending(self) -> bool:
        return self.completed_on is None


@dataclass(frozen=True)
class Contract:
    destination_country: str
    programme: str
    sending_organisation: SendingOrganisation
    employer: str
    sector: Sector
    start_date: date
    duration_months: int
    end_date: date
    """The expected end, moved by each extension."""
    monthly_salary_vnd: int
    fees_vnd: dict[str, int]
    signed_on: date
    sending_organisation_id: UUID | None = None
    """The register's entry the contract was checked against (`worker.sender_checked`)."""
    sender_check: SenderCheckOutcome | None = None
    """None: signed before the register existed. `overridden`: the flag of a contract entered
    through an organisation that failed the check (the reason is in the file's history)."""
    sender_problem: SenderProblem | None = None


@dataclass(frozen=True)
class Abroad:
    """What happened from departure on."""

    departure_date: date
    border_gate: str
    absconded_on: date | None = None
    absconded_source: ReportSource | None = None
    overstaying_since: date | None = None
    overstaying_source: ReportSource | None = None
    return_date: date | None = None
    return_reason: ReturnReason | None = None


@dataclass(frozen=True)
class Withdrawal:
    withdrawn_on: date
    reason: WithdrawalReason


@dataclass(frozen=True)
class WorkerFile(VersionedState):
    id: UUID
    version: int
    status: WorkerStatus
    person: Person
    sex: Sex
    ethnicity: str
    commune_code: str
    province_code: str
    priority_groups: tuple[PriorityGroup, ...]
    registered_on: date
    contact: Contact = Contact()
    education: Education | None = None
    occupation: str | None = None
    trainings: tuple[Training, ...] = ()
    contract: Contract | None = None
    abroad: Abroad | None = None
    withdrawal: Withdrawal | None = None
    follow_up: FollowUp = field(default_factory=FollowUp)
    """Identity and residence checks, family visits (`checks.py`)."""
    return_skills: WorkerReturnSkillsRecorded | None = None
    """The latest record of what the worker brought back (`return_skills.py`)."""
    erasure: Erasure | None = None
    """Set once the worker's personal data is erased: `person` and `contact` then hold
    neutral placeholders, never shown."""

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED

    def pending_training(self, kind: TrainingKind) -> Training | None:
        return next((t for t in reversed(self.trainings) if t.kind == kind and t.pending), None)
