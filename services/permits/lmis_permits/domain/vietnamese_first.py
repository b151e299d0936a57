"""Vietnamese workers first: a position is offered at home before a foreigner is approved for it.

Decree 152/2020/NĐ-CP, art. 4(1), as amended by Decree 70/2023/NĐ-CP (art. 1(2)), from
1 January 2024: at least 15 days before the day it means to explain its demand for foreign
workers to the ministry or the provincial labour department, the employer posts the
position for Vietnamese workers on the labour ministry's portal (Department of Employment) or
on the portal of a provincial employment service centre. Sources read: the decree's summary by
the Government news (en.sggp.org.vn, 19 Sept. 2023, "From January 1, 2024, the announcement
for recruitment of Vietnamese workers ... on the online portal of the MoLISA or of ...
employment service centres") and mondaq.com (3 Oct. 2023); the 15 days and the date it
applies from are settings (`PermitRules`), as domain.md asks for every rule marked *(check)*.

So a demand records its announcement (`record-announcement`), and `approve` is refused with
422 naming `announcement` when none is recorded, or `announcement.announced_on` when the
demand was explained (submitted) less than the window after it: the window must have run
before the explanation, so a late announcement cannot be cured, the employer explains again.
Demands explained before the rule applied are approved as before.

The province may refer returnees who match the position (`refer-candidate`, a registry
worker file by id) and record who was hired (`record-hire`: a returnee, or another
Vietnamese job seeker with no file): each hire is a position a foreigner no longer fills, so
the approved number is capped at the number requested less the hires. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lmis_permits.domain import fields
from lmis_permits.domain.rules import PermitRules
from lmis_shared.contracts.permits import (
    AnnouncementChannel,
    DemandAnnouncementRecorded,
    DemandCandidateReferred,
    DemandVietnameseHired,
)
from lmis_shared.contracts.registry import Sector
from lmis_shared.dates import happened, not_before
from lmis_shared.errors import InvalidInput
from lmis_shared.events import EventPayload
from lmis_shared.reference.occupations import OccupationCode
from lmis_shared.text import clean_text


class RecordAnnouncement(BaseModel):
    """Where and when the employer offered the position to Vietnamese workers."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    announced_on: date = Field(examples=["2026-01-05"])
    channel: AnnouncementChannel
    posting_reference: str | None = Field(
        None, min_length=2, max_length=200, examples=["vieclam.gov.vn/tin/123456"]
    )
    occupation_code: OccupationCode
    sector: Sector = Field(examples=["manufacturing"])

    _text = field_validator("posting_reference")(fields.optional(clean_text))


class ReferCandidate(BaseModel):
    """Send a returnee (a registry worker file) to the employer for the position."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    worker_id: UUID
    referred_on: date | None = Field(None, description="defaults to today")


class RecordHire(BaseModel):
    """A Vietnamese worker took the position: a returnee by file id, or another job seeker."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    worker_id: UUID | None = Field(None, description="the returnee's registry file; none else")
    hired_on: date | None = Field(None, description="defaults to today")


@dataclass(frozen=True)
class LocalFilling:
    """What the demand's stream says about offering the position at home."""

    announcement: DemandAnnouncementRecorded | None = None
    referred: tuple[UUID, ...] = ()
    hired: tuple[UUID | None, ...] = ()
    """One entry per hire; None for a job seeker with no registry file."""


def announce(command: RecordAnnouncement, today: date) -> list[EventPayload]:
    announced = happened("announced_on", command.announced_on, today)
    return [
        DemandAnnouncementRecorded(
            announced_on=announced,
            channel=command.channel,
            posting_reference=command.posting_reference,
            occupation_code=command.occupation_code,
            sector=command.sector.value,
        )
    ]


def refer(
    filling: LocalFilling, command: ReferCandidate, submitted_on: date, today: date
) -> list[EventPayload]:
    if command.worker_id in filling.referred:
        return []  # referred already: nothing new happened
    day = not_before(
        "referred_on",
        happened("referred_on", command.referred_on, today),
        submitted_on,
        "submission",
    )
    return [DemandCandidateReferred(worker_id=command.worker_id, referred_on=day)]


def hire(
    filling: LocalFilling,
    command: RecordHire,
    *,
    submitted_on: date,
    wanted: int,
    commune_code: str,
    province_code: str,
    today: date,
) -> list[EventPayload]:
    if command.worker_id is not None and command.worker_id in filling.hired:
        raise InvalidInput("worker_id", "is already hired for this demand")
    if len(filling.hired) >= wanted:
        raise InvalidInput("worker_id", f"every one of the {wanted} position(s) is filled")
    day = not_before(
        "hired_on", happened("hired_on", command.hired_on, today), submitted_on, "submission"
    )
    return [
        DemandVietnameseHired(
            worker_id=command.worker_id,
            returnee=command.worker_id is not None,
            hired_on=day,
            commune_code=commune_code,
            province_code=province_code,
        )
    ]


def check_before_approval(
    filling: LocalFilling, submitted_on: date, approved_number: int, wanted: int, rules: PermitRules
) -> None:
    """Refuse an approval the Vietnamese-first rule does not allow (see the module's text)."""
    open_positions = wanted - len(filling.hired)
    if approved_number > open_positions:
        raise InvalidInput(
            "approved_number",
            f"must not exceed the {open_positions} position(s) not filled by Vietnamese workers",
        )
    if submitted_on < rules.vietnamese_first_from:
        return
    if filling.announcement is None:
        raise InvalidInput(
            "announcement",
            "must be recorded first: the position is offered to Vietnamese workers before a"
            " foreigner is approved (Decree 70/2023)",
        )
    window = timedelta(days=rules.vietnamese_first_days)
    if filling.announcement.announced_on + window > submitted_on:
        raise InvalidInput(
            "announcement.announced_on",
            f"must be at least {rules.vietnamese_first_days} days before the demand was"
            " explained (Decree 70/2023)",
        )


def evolve(filling: LocalFilling, event: EventPayload) -> LocalFilling:
    match event:
        case DemandAnnouncementRecorded():
            return LocalFilling(event, filling.referred, filling.hired)
        case DemandCandidateReferred():
            return LocalFilling(
                filling.announcement, (*filling.referred, event.worker_id), filling.hired
            )
        case DemandVietnameseHired():
            return LocalFilling(
                filling.announcement, filling.referred, (*filling.hired, event.worker_id)
            )
    return filling
