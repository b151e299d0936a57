"""What the permits API answers: response models built from domain states and read rows.

Personal fields (name, passport number, date of birth, residence card) appear only in the
views of callers the application layer allowed to read the file.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, Field

from lmis_permits.application.employers import EmployerSummary
from lmis_permits.application.ports import DemandRow, WorkerRow
from lmis_permits.domain import demands
from lmis_permits.domain import foreign_workers as fw
from lmis_permits.domain.nationalities import country_name
from lmis_permits.domain.permit_status import PermitStatus
from lmis_shared.events import RecordedEvent
from lmis_shared.records import record_from

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


class Changed(BaseModel):
    """The object a command changed: its id and new version (also the `ETag`)."""

    id: UUID
    version: int
    status: str


class EmployerChanged(BaseModel):
    tax_code: str
    version: int


class DemandView(BaseModel):
    id: UUID
    version: int
    status: str
    position: str
    job_title: str
    number_of_foreigners: int
    period_start: date
    period_end: date
    approved_number: int | None
    decision_number: str | None
    decision_date: date | None

    @classmethod
    def of(cls, demand: demands.Demand | DemandRow) -> DemandView:
        return record_from(cls, demand)


class AnnouncementView(BaseModel):
    announced_on: date
    channel: str
    posting_reference: str | None
    occupation_code: str
    sector: str


class DemandDetailView(DemandView):
    """One demand, with its position offered to Vietnamese workers first (Decree 70/2023)."""

    announcement: AnnouncementView | None
    referred_worker_ids: list[UUID]
    vietnamese_hired: int
    returnees_hired: int

    @classmethod
    def of(cls, demand: demands.Demand | DemandRow) -> DemandDetailView:
        assert isinstance(demand, demands.Demand)
        at_home = demand.at_home
        announced = at_home.announcement
        return record_from(
            cls,
            demand,
            announcement=announced.model_dump(mode="json") if announced else None,
            referred_worker_ids=list(at_home.referred),
            vietnamese_hired=len(at_home.hired),
            returnees_hired=sum(1 for w in at_home.hired if w is not None),
        )


class PositionHeadcount(BaseModel):
    position: str
    approved: int
    """Approved by demands whose period covers today."""
    engaged: int
    """Files of this position employed today."""


class EmployerView(BaseModel):
    tax_code: str
    version: int
    name: str
    address: str
    commune_code: str
    province_code: str
    industrial_zone: str | None
    sector: str
    registered_on: date
    headcount: list[PositionHeadcount]
    demands: list[DemandView]
    permits: dict[str, int]
    """Files still employed, by permit status today."""

    @classmethod
    def of(cls, summary: EmployerSummary) -> EmployerView:
        return record_from(
            cls,
            summary.employer,
            headcount=[
                PositionHeadcount(position=h.position.value, approved=h.approved, engaged=h.engaged)
                for h in summary.headcount
            ],
            demands=[DemandView.of(d) for d in summary.demands],
            permits={status.value: n for status, n in summary.permits.items()},
        )


class PermitView(BaseModel):
    permit_number: str
    issue_date: date
    expiry_date: date
    original_expiry_date: date | None
    position: str
    work_location: str | None
    extension_applied_on: date | None
    extended_on: date | None


class ExemptionView(BaseModel):
    legal_ground: str
    certificate_number: str | None
    valid_from: date
    valid_until: date


class ForeignWorkerView(BaseModel):
    id: UUID
    version: int
    status: str
    allowed_commands: list[str]
    permit_status: PermitStatus
    erased: bool = Field(
        False,
        description="true once the foreign worker's personal data was erased (`POST .../erase`):"
        " full_name, passport_number, date_of_birth and the residence card number are null",
    )
    full_name: str | None = Field(description="personal; null once erased")
    passport_number: str | None = Field(description="personal; null once erased")
    date_of_birth: date | None = Field(description="personal; null once erased")
    sex: str
    nationality: str
    nationality_name: str | None
    employer_tax_code: str
    position: str
    job_title: str | None
    qualifications: list[str]
    commune_code: str
    province_code: str
    engaged_on: date
    permit: PermitView | None
    exemption: ExemptionView | None
    revocation: dict[str, Any] | None
    employment_end: dict[str, Any] | None
    health_check: dict[str, Any] | None
    residence: dict[str, Any] | None

    @classmethod
    def of(cls, state: fw.ForeignWorkerFile, status: PermitStatus) -> ForeignWorkerView:
        held = state.authorisation
        erased = state.erasure is not None
        return record_from(
            cls,
            state,
            allowed_commands=[] if erased else [c.value for c in fw.ALLOWED[state.status]],
            permit_status=status,
            erased=erased,
            full_name=None if erased else state.person.full_name,
            passport_number=None if erased else state.person.passport_number,
            date_of_birth=None if erased else state.person.date_of_birth,
            nationality_name=country_name(state.nationality),
            permit=record_from(PermitView, held) if isinstance(held, fw.PermitRecord) else None,
            exemption=(
                record_from(ExemptionView, held) if isinstance(held, fw.ExemptionRecord) else None
            ),
            revocation=_plain(state.revocation),
            employment_end=_plain(state.employment_end),
            health_check=_plain(state.health_check),
            residence=_residence(state),
        )


class ForeignWorkerItem(BaseModel):
    id: UUID
    version: int
    status: str
    permit_status: PermitStatus
    full_name: str | None = Field(description="personal; null once erased")
    nationality: str
    employer_tax_code: str
    position: str
    commune_code: str
    province_code: str
    engaged_on: date
    permit_number: str | None
    valid_until: date | None
    employment_ended_on: date | None

    @classmethod
    def of(cls, row: WorkerRow, status: PermitStatus) -> ForeignWorkerItem:
        return record_from(
            cls,
            row,
            permit_status=status,
            valid_until=row.facts.valid_until,
            employment_ended_on=row.ended_on,
        )


class ForeignWorkerPage(BaseModel):
    items: list[ForeignWorkerItem]
    next_cursor: str | None
    """Pass as `cursor` for the next page; null on the last page."""


class HistoryEntry(BaseModel):
    version: int
    event_type: str
    recorded_at: datetime
    actor: str
    data: dict[str, Any] = Field(
        description="the event's data; personal fields (`person`, `card`) decrypted for the "
        "reader, null when erased"
    )
    erased: list[str] = Field(
        [], description="the personal fields of `data` that were erased (null in `data`)"
    )

    @classmethod
    def of(cls, recorded: RecordedEvent) -> HistoryEntry:
        meta = recorded.metadata
        return record_from(
            cls,
            meta,
            version=meta.stream_version,
            data=recorded.data,
            erased=list(recorded.erased),
        )


def _residence(state: fw.ForeignWorkerFile) -> dict[str, Any] | None:
    """The residence record; its card number (personal) null once erased."""
    residence = _plain(state.residence)
    if residence is not None and state.erasure is not None:
        residence["card_number"] = None
    return residence


def _plain(record: DataclassInstance | None) -> dict[str, Any] | None:
    return None if record is None else dataclasses.asdict(record)
