"""What the registry's routes answer (worker files, then loans) and the worker list's query
parameters: wire shapes only.

Over 350 lines on purpose: one flat field per line for every answer of the API, the file and
the loan views (with their `of` builders) side by side; split, the wire shapes of one
service would be spread over two modules for no gain in reading them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from lmis_registry.application.loans import LoanReport
from lmis_registry.application.ports import WorkerPage, WorkerSearch, WorkerSummary
from lmis_registry.domain import loans
from lmis_registry.domain.workers import (
    IdentityStatus,
    WorkerFile,
    WorkerStatus,
    allowed_commands,
)
from lmis_registry.entrypoints.follow_up_views import FollowUpView
from lmis_shared.contracts.registry import (
    Education,
    Exam,
    PriorityGroup,
    ReportSource,
    ReturnIntention,
    ReturnReason,
    Sector,
    SendingOrganisation,
    TrainingKind,
    WithdrawalReason,
    WorkerReturnSkillsRecorded,
)
from lmis_shared.contracts.registry_senders import SenderCheckOutcome, SenderProblem
from lmis_shared.events import RecordedEvent
from lmis_shared.records import record_from
from lmis_shared.reference.ethnicities import ETHNIC_GROUPS


class WorkerCreated(BaseModel):
    id: UUID
    version: int


class CommandAccepted(BaseModel):
    """The file after the command: send `version` as `If-Match` with the next one."""

    id: UUID
    version: int
    status: WorkerStatus


class _FromState(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TrainingView(_FromState):
    kind: TrainingKind
    centre: str
    language: str | None
    enrolled_on: date
    completed_on: date | None
    passed: bool | None
    exam: Exam | None
    score: int | None


class ContractView(_FromState):
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
    sending_organisation_id: UUID | None = None
    sender_check: SenderCheckOutcome | None = None
    """`overridden`: entered through an organisation that failed the register's check."""
    sender_problem: SenderProblem | None = None


class AbroadView(_FromState):
    departure_date: date
    border_gate: str
    absconded_on: date | None
    absconded_source: ReportSource | None
    overstaying_since: date | None
    overstaying_source: ReportSource | None
    return_date: date | None
    return_reason: ReturnReason | None


class WithdrawalView(_FromState):
    withdrawn_on: date
    reason: WithdrawalReason


class ReturnSkillsView(BaseModel):
    consent_to_contact: bool
    occupation_code: str
    sector: Sector
    years_of_experience: int
    certificates: list[str]
    language: str | None
    language_level: str | None
    intention: ReturnIntention
    recorded_on: date

    @classmethod
    def of(cls, recorded: WorkerReturnSkillsRecorded | None) -> ReturnSkillsView | None:
        return None if recorded is None else cls.model_validate(recorded.model_dump())


class WorkerView(BaseModel):
    id: UUID
    version: int
    status: WorkerStatus
    allowed_commands: list[str] = Field(description="the commands the file accepts now")
    erased: bool = Field(
        False,
        description="true once the worker's personal data was erased (`POST .../erase`): "
        "the personal fields (full_name, date_of_birth, citizen_id, passport_number, phone, "
        "village) are null",
    )
    full_name: str | None = Field(description="personal; null once erased")
    date_of_birth: date | None = Field(description="personal; null once erased")
    sex: str
    ethnicity: str
    ethnicity_name: str
    citizen_id: str | None = Field(description="personal; null once erased")
    passport_number: str | None
    phone: str | None
    commune_code: str
    province_code: str
    village: str | None
    priority_groups: list[PriorityGroup]
    education: Education | None
    occupation: str | None
    registered_on: date
    trainings: list[TrainingView]
    contract: ContractView | None
    abroad: AbroadView | None
    withdrawal: WithdrawalView | None
    follow_up: FollowUpView
    return_skills: ReturnSkillsView | None = Field(
        None, description="what the worker brought back, recorded after the return"
    )

    @classmethod
    def of(cls, state: WorkerFile) -> WorkerView:
        return cls(
            id=state.id,
            version=state.version,
            status=state.status,
            allowed_commands=[] if state.erasure else allowed_commands(state),
            **_personal(state),
            sex=state.sex.value,
            ethnicity=state.ethnicity,
            ethnicity_name=ETHNIC_GROUPS[state.ethnicity],
            commune_code=state.commune_code,
            province_code=state.province_code,
            priority_groups=list(state.priority_groups),
            education=state.education,
            occupation=state.occupation,
            registered_on=state.registered_on,
            trainings=[TrainingView.model_validate(t) for t in state.trainings],
            contract=ContractView.model_validate(state.contract) if state.contract else None,
            abroad=AbroadView.model_validate(state.abroad) if state.abroad else None,
            withdrawal=(
                WithdrawalView.model_validate(state.withdrawal) if state.withdrawal else None
            ),
            follow_up=FollowUpView.of(state.follow_up),
            return_skills=ReturnSkillsView.of(state.return_skills),
        )


def _personal(state: WorkerFile) -> dict[str, Any]:
    """The personal fields of the file's view: null, and `erased`, once erased."""
    person, contact = state.person, state.contact
    fields = {
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth,
        "citizen_id": person.citizen_id,
        "passport_number": contact.passport_number,
        "phone": contact.phone,
        "village": contact.village,
    }
    if state.erasure is None:
        return fields
    return dict.fromkeys(fields) | {"erased": True}


class HistoryEntry(BaseModel):
    type: str = Field(examples=["lmis.registry.worker.departed.v1"])
    version: int
    recorded_at: datetime
    actor: str = Field(description="the officer id that issued the command")
    data: dict[str, Any] = Field(
        description="the event's data; personal fields (`person`) decrypted for the reader, "
        "null when erased"
    )
    erased: list[str] = Field(
        [], description="the personal fields of `data` that were erased (null in `data`)"
    )

    @classmethod
    def of(cls, event: RecordedEvent) -> HistoryEntry:
        return cls(type=event.event_type, erased=list(event.erased), **_history_line(event))


class WorkerHistory(BaseModel):
    id: UUID
    events: list[HistoryEntry]
    next_cursor: int | None = Field(None, description="`after` of the next page; none: last")

    @classmethod
    def of(
        cls, worker_id: UUID, recorded: list[RecordedEvent], next_cursor: int | None = None
    ) -> WorkerHistory:
        events = [HistoryEntry.of(r) for r in recorded]
        return cls(id=worker_id, events=events, next_cursor=next_cursor)


class WorkerListItem(_FromState):
    id: UUID
    version: int
    status: WorkerStatus
    full_name: str | None = Field(description="personal; null once erased")
    commune_code: str
    province_code: str
    priority_groups: list[PriorityGroup]
    registered_on: date
    destination_country: str | None
    programme: str | None
    departure_date: date | None
    identity: IdentityStatus

    @classmethod
    def of(cls, summary: WorkerSummary) -> WorkerListItem:
        return cls.model_validate(summary)


class WorkerList(BaseModel):
    items: list[WorkerListItem]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")

    @classmethod
    def of(cls, page: WorkerPage) -> WorkerList:
        return cls(items=[WorkerListItem.of(s) for s in page.items], next_cursor=page.next_cursor)


class WorkerFilters(BaseModel):
    """Query parameters of `GET /v1/workers`; every filter given must hold."""

    model_config = ConfigDict(extra="forbid")

    status: list[WorkerStatus] = Field([], description="repeat for several")
    province: str | None = Field(None, pattern=r"^\d{2}$", examples=["12"])
    commune: str | None = Field(None, pattern=r"^\d{5}$", examples=["03637"])
    destination: str | None = Field(None, pattern=r"^[A-Za-z]{2}$", examples=["KR"])
    programme: str | None = Field(None, max_length=50, examples=["korea_eps"])
    sending_organisation: str | None = Field(
        None,
        max_length=200,
        description="licence number or name of the organisation, or `individual_contract`",
    )
    priority_group: PriorityGroup | None = None
    departed_from: date | None = None
    departed_to: date | None = None
    q: str | None = Field(
        None, max_length=100, description="words of the name, with or without diacritics"
    )
    identity: list[IdentityStatus] = Field(
        [], description="the follow-up list: `unverified` and/or `mismatch` (repeat for both)"
    )
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(50, ge=1, le=200)

    def search(self) -> WorkerSearch:
        return WorkerSearch(
            statuses=tuple(self.status),
            province_code=self.province,
            commune_code=self.commune,
            destination_country=self.destination.upper() if self.destination else None,
            programme=self.programme,
            sending_organisation=self.sending_organisation,
            priority_group=self.priority_group,
            departed_from=self.departed_from,
            departed_to=self.departed_to,
            text=self.q,
            identity=tuple(self.identity),
            cursor=self.cursor,
            limit=self.limit,
        )


# --- loans -------------------------------------------------------------------------------


class CommandAnswer(BaseModel):
    id: UUID
    version: int
    status: str


class InstalmentView(BaseModel):
    number: int
    due_on: date
    principal_vnd: int
    interest_vnd: int
    amount_vnd: int
    paid_vnd: int


class DueView(BaseModel):
    number: int
    due_on: date
    amount_vnd: int


class LoanView(BaseModel):
    id: UUID
    version: int
    status: str
    allowed_commands: list[str]
    worker_id: UUID
    purpose: str
    commune_code: str
    province_code: str
    applied_amount_vnd: int
    applied_on: date
    approved_amount_vnd: int | None
    disbursed_amount_vnd: int | None
    disbursed_on: date | None
    term_months: int | None
    annual_interest_rate_bp: int | None
    restructurings: int
    schedule: list[InstalmentView]
    repaid_vnd: int
    written_off_vnd: int | None
    closed_on: date | None
    as_of: date
    outstanding_vnd: int
    remaining_due_vnd: int
    next_due: DueView | None
    overdue: bool
    overdue_amount_vnd: int
    overdue_since: date | None
    days_past_due: int

    @classmethod
    def of(cls, report: LoanReport) -> LoanView:
        loan, where = report.loan, report.position
        paid = loan.disbursement
        return record_from(
            cls,
            where,  # first: a figure both name (`remaining_due_vnd`) is the position's, of its day
            loan,
            allowed_commands=loans.allowed_commands(loan),
            disbursed_amount_vnd=paid.amount_vnd if paid else None,
            disbursed_on=paid.disbursed_on if paid else None,
            term_months=paid.term_months if paid else None,
            annual_interest_rate_bp=loan.annual_interest_rate_bp if paid else None,
            schedule=[
                record_from(InstalmentView, a.instalment, paid_vnd=a.paid_vnd)
                for a in loan.allocations()
            ],
            next_due=DueView(**vars(where.next_due)) if where.next_due else None,
        )


class HistoryItem(BaseModel):
    version: int
    event_type: str
    recorded_at: datetime
    actor: str
    data: dict[str, Any]


class LoanHistory(BaseModel):
    id: UUID
    items: list[HistoryItem]
    next_cursor: int | None = Field(None, description="`after` of the next page; none: last")

    @classmethod
    def of(
        cls, loan_id: UUID, recorded: list[RecordedEvent], next_cursor: int | None = None
    ) -> LoanHistory:
        items = [HistoryItem(event_type=r.event_type, **_history_line(r)) for r in recorded]
        return cls(id=loan_id, items=items, next_cursor=next_cursor)


def _history_line(recorded: RecordedEvent) -> dict[str, Any]:
    """What a line of a history shows of a recorded event, besides its type (named `type` in
    a worker file's history, `event_type` in a loan's)."""
    meta = recorded.metadata
    return {
        "version": meta.stream_version,
        "recorded_at": meta.recorded_at,
        "actor": meta.actor,
        "data": recorded.data,
    }
