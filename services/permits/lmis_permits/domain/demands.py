"""Demand approval: an employer explains why it needs foreigners in one position, and the
province approves a number (by decision) or rejects it. Approved numbers are the ceiling of
how many foreigners the employer may engage in that position during the demand's period.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from lmis_permits.domain import fields, vietnamese_first
from lmis_permits.domain.employers import Employer
from lmis_permits.domain.errors import DemandNotFound, IllegalTransition, existing
from lmis_permits.domain.rules import PermitRules
from lmis_permits.domain.vietnamese_first import RecordAnnouncement, RecordHire, ReferCandidate
from lmis_shared.commands import Aggregate, VersionedState
from lmis_shared.contracts.permits import (
    DemandAnnouncementRecorded,
    DemandApproved,
    DemandCandidateReferred,
    DemandRejected,
    DemandSubmitted,
    DemandVietnameseHired,
    PositionType,
)
from lmis_shared.dates import happened, not_before
from lmis_shared.errors import InvalidInput
from lmis_shared.events import EventPayload
from lmis_shared.records import record_from
from lmis_shared.text import clean_text


class DemandStatus(StrEnum):
    submitted = "submitted"
    approved = "approved"
    rejected = "rejected"


NOTHING_AT_HOME = vietnamese_first.LocalFilling()
DEFAULT_RULES = PermitRules()
_AT_HOME = ("refer-candidate", "record-hire")
ALLOWED: Mapping[DemandStatus, tuple[str, ...]] = {
    DemandStatus.submitted: ("record-announcement", *_AT_HOME, "approve", "reject"),
    DemandStatus.approved: _AT_HOME,
    DemandStatus.rejected: (),
}


class SubmitDemand(BaseModel):
    """The employer's explanation of its need for foreigners in one position."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    position: PositionType
    job_title: str = Field(min_length=2, max_length=150, examples=["Kỹ sư vận hành dây chuyền"])
    number_of_foreigners: int = Field(ge=1, le=10_000, examples=[3])
    period_start: date = Field(examples=["2026-01-01"])
    period_end: date = Field(examples=["2027-12-31"])
    reason: str = Field(
        min_length=10,
        max_length=4000,
        description="why Vietnamese workers cannot fill the position",
        examples=["Dây chuyền SMT mới cần kỹ sư có 5 năm kinh nghiệm; chưa tuyển được trong nước"],
    )
    submitted_on: date | None = Field(None, description="defaults to today; may be in the past")

    _text = field_validator("job_title", "reason")(clean_text)

    @field_validator("period_end")
    @classmethod
    def _period(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("period_start")
        if start is not None and value < start:
            raise ValueError("must not be before period_start")
        return value


class ApproveDemand(BaseModel):
    """Approve the demand by decision, for up to the number requested."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    approved_number: int = Field(ge=1, le=10_000, examples=[2])
    decision_number: str = Field(examples=["1520/QĐ-UBND"])
    decision_date: date = Field(examples=["2026-02-10"])

    _decision_number = field_validator("decision_number")(fields.document_number)


class RejectDemand(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=5, max_length=4000, examples=["Vị trí có thể tuyển trong nước"])
    decided_on: date | None = Field(None, description="defaults to today")

    _text = field_validator("reason")(clean_text)


DemandCommand = (
    SubmitDemand | ApproveDemand | RejectDemand | RecordAnnouncement | ReferCandidate | RecordHire
)
FOLLOW_UPS: Mapping[type[BaseModel], str] = {
    ApproveDemand: "approve",
    RejectDemand: "reject",
    RecordAnnouncement: "record-announcement",
    ReferCandidate: "refer-candidate",
    RecordHire: "record-hire",
}
"""Each command on an existing demand, by its name in the API and in `ALLOWED`."""


@dataclass(frozen=True)
class Demand(VersionedState):
    id: UUID
    version: int
    status: DemandStatus
    employer_tax_code: str
    commune_code: str
    province_code: str
    position: PositionType
    job_title: str
    number_of_foreigners: int
    period_start: date
    period_end: date
    reason: str
    submitted_on: date
    approved_number: int | None = None
    decision_number: str | None = None
    decision_date: date | None = None
    rejection_reason: str | None = None
    decided_on: date | None = None
    at_home: vietnamese_first.LocalFilling = NOTHING_AT_HOME
    """The position offered to Vietnamese workers: announcement, referrals, hires."""


def decide(
    state: Demand | None,
    command: DemandCommand,
    today: date,
    *,
    employer: Employer | None = None,
    rules: PermitRules = DEFAULT_RULES,
) -> list[EventPayload]:
    """A demand is submitted for `employer` (required then), offered at home, then approved
    or rejected once (`rules`: the Vietnamese-first window)."""
    match command:
        case SubmitDemand():
            if state is not None:
                raise IllegalTransition(state.status.value, ALLOWED[state.status], command="submit")
            if employer is None:
                raise TypeError("a demand is submitted for an employer")
            return [_submit(employer, command, today)]
        case ApproveDemand():
            return [_approve(_require(state, "approve"), command, today, rules)]
        case RecordAnnouncement():
            _require(state, "record-announcement")
            return vietnamese_first.announce(command, today)
        case ReferCandidate():
            state = _require(state, "refer-candidate")
            return vietnamese_first.refer(state.at_home, command, state.submitted_on, today)
        case RecordHire():
            state = _require(state, "record-hire")
            return vietnamese_first.hire(
                state.at_home,
                command,
                submitted_on=state.submitted_on,
                wanted=state.number_of_foreigners,
                commune_code=state.commune_code,
                province_code=state.province_code,
                today=today,
            )
        case RejectDemand():
            state = _require(state, "reject")
            decided_on = _decided_on(state, "decided_on", command.decided_on, today)
            return [DemandRejected(reason=command.reason, decided_on=decided_on)]


def _submit(employer: Employer, command: SubmitDemand, today: date) -> DemandSubmitted:
    return record_from(
        DemandSubmitted,
        command,
        employer_tax_code=employer.tax_code,
        commune_code=employer.commune_code,  # the demand lives where the employer works
        province_code=employer.province_code,
        submitted_on=happened("submitted_on", command.submitted_on, today),
    )


def _approve(
    state: Demand, command: ApproveDemand, today: date, rules: PermitRules
) -> DemandApproved:
    if command.approved_number > state.number_of_foreigners:
        raise InvalidInput(
            "approved_number",
            f"must not exceed the {state.number_of_foreigners} foreigner(s) requested",
        )
    vietnamese_first.check_before_approval(
        state.at_home,
        state.submitted_on,
        command.approved_number,
        state.number_of_foreigners,
        rules,
    )
    return DemandApproved(
        approved_number=command.approved_number,
        decision_number=command.decision_number,
        decision_date=_decided_on(state, "decision_date", command.decision_date, today),
    )


def evolve(state: Demand | None, event: EventPayload, stream_id: UUID) -> Demand:
    if isinstance(event, DemandSubmitted):  # the demand starts as submitted, field by field
        return Demand(id=stream_id, version=0, status=DemandStatus.submitted, **dict(event))
    state = existing(state, "submit", event.event_type)
    match event:
        case DemandApproved():  # the approved number and the decision, by field name
            return replace(state, status=DemandStatus.approved, **dict(event))
        case DemandAnnouncementRecorded() | DemandCandidateReferred() | DemandVietnameseHired():
            return replace(state, at_home=vietnamese_first.evolve(state.at_home, event))
        case DemandRejected():
            return replace(
                state,
                status=DemandStatus.rejected,
                rejection_reason=event.reason,
                decided_on=event.decided_on,
            )
    return state


def _require(state: Demand | None, command: str) -> Demand:
    state = existing(state, "submit", command)
    allowed = ALLOWED[state.status]
    if command not in allowed:
        raise IllegalTransition(state.status.value, allowed, command=command)
    return state


def _decided_on(state: Demand, field: str, day: date | None, today: date) -> date:
    return not_before(field, happened(field, day, today), state.submitted_on, "submission")


AGGREGATE = Aggregate("demand", evolve, DemandNotFound)
