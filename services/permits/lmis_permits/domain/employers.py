"""The employer: registered once per enterprise tax code, then renamed, relocated or moved to
another sector. Its work location (commune, province) is the administrative scope of every
demand and foreign worker file opened for it.

The stream id is derived from the tax code, so a second registration of the same code lands on
the same stream and is refused by the event store's version check, even under a race.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lmis_permits.domain import fields
from lmis_permits.domain.errors import EmployerNotFound, IllegalTransition, existing
from lmis_shared.commands import Aggregate, VersionedState
from lmis_shared.contracts.permits import (
    EmployerRegistered,
    EmployerRelocated,
    EmployerRenamed,
    EmployerSectorChanged,
)
from lmis_shared.dates import happened
from lmis_shared.errors import InvalidInput
from lmis_shared.events import EventPayload
from lmis_shared.records import record_from
from lmis_shared.reference import units
from lmis_shared.text import clean_text

_EMPLOYER_NAMESPACE = UUID("6c1f7a3e-2b4d-5e8f-9a0b-1c2d3e4f5a6b")
ALLOWED_WHEN_REGISTERED = ("update",)
_TEXT = ("name", "address", "industrial_zone", "sector")


def employer_stream_id(tax_code: str) -> UUID:
    return uuid.uuid5(_EMPLOYER_NAMESPACE, tax_code)


class RegisterEmployer(BaseModel):
    """Register an enterprise that employs (or wants to employ) foreign workers."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    tax_code: str = Field(description="enterprise tax code (mã số thuế)", examples=["1101234567"])
    name: str = Field(min_length=2, max_length=200, examples=["Công ty TNHH Điện tử Hòa Bình"])
    address: str = Field(min_length=5, max_length=300, examples=["Lô B2, KCN Đức Hòa 1, Long An"])
    commune_code: str = Field(description="commune of the work location", examples=["27937"])
    industrial_zone: str | None = Field(None, max_length=200, examples=["KCN Đức Hòa 1"])
    sector: str = Field(min_length=2, max_length=100, examples=["electronics manufacturing"])
    registered_on: date | None = Field(None, description="defaults to today; may be in the past")

    _tax_code = field_validator("tax_code")(fields.tax_code)
    _commune = field_validator("commune_code")(fields.commune_code)
    _text = field_validator(*_TEXT)(fields.optional(clean_text))


class UpdateEmployer(BaseModel):
    """Change what changed: the name, the work location, or the sector (absent: unchanged)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(None, min_length=2, max_length=200)
    address: str | None = Field(None, min_length=5, max_length=300)
    commune_code: str | None = Field(None, examples=["27991"])
    industrial_zone: str | None = Field(None, max_length=200)
    sector: str | None = Field(None, min_length=2, max_length=100)

    _commune = field_validator("commune_code")(fields.optional(fields.commune_code))
    _text = field_validator(*_TEXT)(fields.optional(clean_text))


EmployerCommand = RegisterEmployer | UpdateEmployer


@dataclass(frozen=True)
class Employer(VersionedState):
    id: UUID
    version: int
    tax_code: str
    name: str
    address: str
    commune_code: str
    province_code: str
    industrial_zone: str | None
    sector: str
    registered_on: date

    @property
    def status(self) -> str:
        return "registered"


def decide(state: Employer | None, command: EmployerCommand, today: date) -> list[EventPayload]:
    match command:
        case RegisterEmployer():
            if state is not None:
                raise IllegalTransition(state.status, ALLOWED_WHEN_REGISTERED, command="register")
            return [_register(command, today)]
        case UpdateEmployer():
            return _update(existing(state, "register", "update"), command)


def _register(command: RegisterEmployer, today: date) -> EmployerRegistered:
    return record_from(
        EmployerRegistered,
        command,
        province_code=_province(command.commune_code),
        registered_on=happened("registered_on", command.registered_on, today),
    )


def _update(state: Employer, command: UpdateEmployer) -> list[EventPayload]:
    """One event per kind of change; nothing when nothing differs (a repeat is harmless)."""
    decided: list[EventPayload] = []
    if command.name is not None and command.name != state.name:
        decided.append(EmployerRenamed(tax_code=state.tax_code, name=command.name))
    # an explicit null clears the industrial zone (the firm moved out of it); absent keeps it
    zone = (
        command.industrial_zone
        if "industrial_zone" in command.model_fields_set
        else state.industrial_zone
    )
    address = command.address or state.address
    commune = command.commune_code or state.commune_code
    if (address, commune, zone) != (state.address, state.commune_code, state.industrial_zone):
        decided.append(
            EmployerRelocated(
                tax_code=state.tax_code,
                address=address,
                commune_code=commune,
                province_code=_province(commune),
                industrial_zone=zone,
            )
        )
    if command.sector is not None and command.sector != state.sector:
        decided.append(EmployerSectorChanged(tax_code=state.tax_code, sector=command.sector))
    return decided


def evolve(state: Employer | None, event: EventPayload, stream_id: UUID) -> Employer:
    if isinstance(event, EmployerRegistered):  # the employer starts as registered, field by field
        return Employer(id=stream_id, version=0, **dict(event))
    state = existing(state, "register", event.event_type)
    match event:
        case EmployerRenamed() | EmployerRelocated() | EmployerSectorChanged():
            return replace(state, **dict(event))  # each carries the fields it changes
    return state


def _province(commune_code: str) -> str:
    province = units.province_of(commune_code)
    if province is None:  # the command validated the commune; the table must know it
        raise InvalidInput("commune_code", "is not a current commune code")
    return province


def _not_found(stream_id: UUID) -> EmployerNotFound:
    """The command path knows an employer by its stream id only; the use cases, which know
    the tax code, name it in the error they show (`application/employers.py`)."""
    return EmployerNotFound(str(stream_id))


AGGREGATE = Aggregate("employer", evolve, _not_found)
