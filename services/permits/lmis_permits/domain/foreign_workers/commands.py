"""Commands on a foreign worker file, as the API receives them. Each validates its own fields
(shapes, dates in order); rules that need the file's state live in `decide.py`.

`name` is the command's name in the URL (`POST /v1/foreign-workers/{id}/<name>`) and in the
`allowed_commands` of a refused transition.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from lmis_permits.domain import fields
from lmis_shared.contracts.permits import (
    EmploymentEndReason,
    HealthResult,
    PositionType,
    RevocationReason,
    Sex,
)
from lmis_shared.text import clean_text, person_name


class CommandName(StrEnum):
    apply_permit = "apply-permit"
    issue_permit = "issue-permit"
    apply_extension = "apply-extension"
    extend_permit = "extend-permit"
    revoke_permit = "revoke-permit"
    certify_exemption = "certify-exemption"
    end_employment = "end-employment"
    record_health_check = "record-health-check"
    register_residence = "register-residence"


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: ClassVar[CommandName]


def _after(earlier: str) -> Callable[[date, ValidationInfo], date]:
    """A validator: this date must come after the date field `earlier` (declared before it)."""

    def check(value: date, info: ValidationInfo) -> date:
        start = info.data.get(earlier)
        if start is not None and value <= start:
            raise ValueError(f"must be after {earlier}")
        return value

    return check


class RegisterForeignWorker(BaseModel):
    """Open a file for a foreigner engaged by a registered employer in one position."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    employer_tax_code: str = Field(examples=["1101234567"])
    full_name: str = Field(
        min_length=2, max_length=100, description="as in the passport", examples=["KIM MIN JUN"]
    )
    nationality: str = Field(description="ISO 3166-1 alpha-2", examples=["KR"])
    passport_number: str = Field(examples=["M12345678"])
    date_of_birth: date = Field(examples=["1985-07-21"])
    sex: Sex
    position: PositionType
    job_title: str | None = Field(None, max_length=150, examples=["Kỹ sư vận hành dây chuyền"])
    qualifications: tuple[str, ...] = Field(
        (), max_length=20, examples=[["B.Eng. Electronics, Hanyang University"]]
    )
    engaged_on: date | None = Field(
        None, description="first day of work for this employer; defaults to today"
    )

    _tax_code = field_validator("employer_tax_code")(fields.tax_code)
    _name = field_validator("full_name")(person_name)
    _nationality = field_validator("nationality")(fields.nationality)
    _passport = field_validator("passport_number")(fields.passport_number)

    _job_title = field_validator("job_title")(fields.optional(clean_text))

    @field_validator("qualifications")
    @classmethod
    def _qualifications(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(clean_text(q) for q in value)
        if any(not 2 <= len(q) <= 200 for q in cleaned):
            raise ValueError("each qualification must be 2 to 200 characters")
        return tuple(dict.fromkeys(cleaned))


class ApplyForPermit(_Command):
    name = CommandName.apply_permit

    applied_on: date | None = Field(None, description="defaults to today")


class IssuePermit(_Command):
    name = CommandName.issue_permit

    permit_number: str = Field(examples=["LA-2026-000123"])
    issue_date: date = Field(examples=["2026-03-01"])
    expiry_date: date = Field(
        description="last valid day; at most 2 years after issue_date", examples=["2028-02-28"]
    )
    work_location: str | None = Field(None, max_length=300, examples=["Lô B2, KCN Đức Hòa 1"])

    _number = field_validator("permit_number")(fields.document_number)
    _expiry = field_validator("expiry_date")(_after("issue_date"))
    _location = field_validator("work_location")(fields.optional(clean_text))


class ApplyForExtension(_Command):
    name = CommandName.apply_extension

    applied_on: date | None = Field(
        None, description="defaults to today; must fall within the window before expiry"
    )


class ExtendPermit(_Command):
    name = CommandName.extend_permit

    new_expiry_date: date = Field(examples=["2030-02-28"])
    extended_on: date | None = Field(None, description="defaults to today")


class RevokePermit(_Command):
    name = CommandName.revoke_permit

    reason: RevocationReason
    revoked_on: date | None = Field(None, description="defaults to today")


class CertifyExemption(_Command):
    name = CommandName.certify_exemption

    legal_ground: str = Field(
        min_length=3, max_length=300, examples=["Nghị định 152/2020/NĐ-CP, Điều 7 khoản 4"]
    )
    certificate_number: str | None = Field(None, examples=["125/XN-SNV"])
    valid_from: date = Field(examples=["2026-03-01"])
    valid_until: date = Field(examples=["2028-02-28"])

    _until = field_validator("valid_until")(_after("valid_from"))
    _text = field_validator("legal_ground")(clean_text)
    _number = field_validator("certificate_number")(fields.optional(fields.document_number))


class EndEmployment(_Command):
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)
    name = CommandName.end_employment

    ended_on: date = Field(alias="date", description="last day of work", examples=["2026-06-30"])
    reason: EmploymentEndReason


class RecordHealthCheck(_Command):
    name = CommandName.record_health_check

    checked_on: date = Field(examples=["2026-02-15"])
    result: HealthResult
    facility: str | None = Field(None, max_length=200, examples=["Bệnh viện Đa khoa Long An"])

    _facility = field_validator("facility")(fields.optional(clean_text))


class RegisterResidence(_Command):
    name = CommandName.register_residence

    card_number: str = Field(description="temporary residence card number", examples=["TT123456"])
    valid_from: date = Field(examples=["2026-03-10"])
    valid_until: date = Field(examples=["2028-02-28"])

    _card = field_validator("card_number")(fields.card_number)
    _until = field_validator("valid_until")(_after("valid_from"))


FileCommand = (
    ApplyForPermit
    | IssuePermit
    | ApplyForExtension
    | ExtendPermit
    | RevokePermit
    | CertifyExemption
    | EndEmployment
    | RecordHealthCheck
    | RegisterResidence
)
"""A command on an existing file (`RegisterForeignWorker` opens one)."""

ForeignWorkerCommand = RegisterForeignWorker | FileCommand
