"""What the provincial department (or an admin) asks of the register of sending organisations.

Each command's `command_name` is its HTTP path segment
(`POST /v1/sending-organisations/{id}/<name>`).
Fields are checked alone here (422 naming the field, the value never echoed); rules that need
the organisation's state (a suspension of a revoked licence) are `decide`'s.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from lmis_registry.domain.workers import reference
from lmis_registry.domain.workers.fields import Wording, example
from lmis_shared.contracts.registry import SendingOrganisationKind
from lmis_shared.contracts.registry_senders import ComplaintCategory, LicenceStatus
from lmis_shared.text import clean_text, nfc

Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=500),
    AfterValidator(nfc),
]
MAX_MARKETS = 60


def licence_number(value: str) -> str:
    value = clean_text(value)
    if not any(c.isdigit() for c in value):
        raise ValueError("must contain the licence's number")
    return value


LicenceNumber = Annotated[
    str, StringConstraints(min_length=1, max_length=50), AfterValidator(licence_number)
]


def markets(values: list[str]) -> list[str]:
    """ISO 3166-1 alpha-2 codes abroad, upper case, each once, sorted."""
    codes = sorted({v.strip().upper() for v in values})
    for code in codes:
        if not reference.is_country(code) or code == reference.HOME_COUNTRY:
            raise ValueError("must be ISO 3166-1 alpha-2 codes of countries abroad")
    return codes


Markets = Annotated[list[str], Field(max_length=MAX_MARKETS), AfterValidator(markets)]


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    command_name: ClassVar[str]


class RegisterSendingOrganisation(_Command):
    """Enter a licensed enterprise (with its licence) or a public employment service centre."""

    command_name: ClassVar[str] = "register"
    model_config = example(
        {
            "kind": "licensed_enterprise",
            "name": "Công ty Cổ phần Nhân lực Quốc tế Sona",
            "licence_number": "123/LĐTBXH-GP",
            "licence_status": "active",
            "licensed_on": "2022-03-01",
            "markets": ["JP", "TW"],
        }
    )

    kind: SendingOrganisationKind
    name: Wording = Field(description="the organisation's name")
    licence_number: LicenceNumber | None = Field(None, validate_default=True)
    licence_status: LicenceStatus = LicenceStatus.active
    licensed_on: date | None = None
    licence_valid_until: date | None = Field(None, description="None: no end date")
    markets: Markets = Field(description="ISO 3166-1 alpha-2 destinations it may serve")

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: SendingOrganisationKind) -> SendingOrganisationKind:
        if value == SendingOrganisationKind.individual_contract:
            raise ValueError("an individual contract has no sending organisation")
        return value

    @field_validator("licence_number")
    @classmethod
    def _licence(cls, value: str | None, info: ValidationInfo) -> str | None:
        licensed = info.data.get("kind") == SendingOrganisationKind.licensed_enterprise
        if value is None and licensed:
            raise ValueError("is required for a licensed enterprise")
        if value is not None and not licensed:
            raise ValueError("is only given for a licensed enterprise")
        return value

    @field_validator("licence_valid_until")
    @classmethod
    def _until(cls, value: date | None, info: ValidationInfo) -> date | None:
        since = info.data.get("licensed_on")
        if value is not None and since is not None and value < since:
            raise ValueError("must not be before licensed_on")
        return value


class UpdateSendingOrganisation(_Command):
    """Change what the ministry changed: send only the fields that change."""

    command_name: ClassVar[str] = "update"
    model_config = example({"markets": ["JP", "TW", "KR"], "licence_status": "active"})

    name: Wording | None = None
    licence_status: LicenceStatus | None = None
    licensed_on: date | None = None
    licence_valid_until: date | None = None
    markets: Markets | None = None


class SuspendSendingOrganisation(_Command):
    """The ministry suspended the licence (Law 69/2020/QH14 art. 11)."""

    command_name: ClassVar[str] = "suspend"
    model_config = example(
        {"suspended_on": "2026-05-04", "reason": "Quyết định 512/QĐ-LĐTBXH: thu phí vượt trần"}
    )

    suspended_on: date | None = Field(None, description="defaults to today")
    reason: Reason


class RecordComplaint(_Command):
    """A complaint about the organisation's recruitment, from a commune. Who complained is not
    entered here: it stays in the commune's file (`reference` points to it)."""

    command_name: ClassVar[str] = "complaints"
    model_config = example(
        {"received_on": "2026-06-10", "category": "excessive_fees", "commune_code": "03637"}
    )

    received_on: date | None = Field(None, description="defaults to today")
    category: ComplaintCategory
    commune_code: str = Field(pattern=r"^\d{5}$", description="the commune the complaint came from")
    reference: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        None, description="the case file's number at the commune or the police"
    )


SenderCommand = UpdateSendingOrganisation | SuspendSendingOrganisation | RecordComplaint
