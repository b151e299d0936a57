"""The outbound worker file: commands, state, and the pure decide / evolve functions.

One aggregate per person and departure (domain.md, domain 1). This module knows nothing of
HTTP, PostgreSQL or Kafka: handlers pass in the current state and today's date and get events
back, which is what makes the rules testable with plain values.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from lmis_registry.domain.errors import IllegalTransition, InvalidField
from lmis_shared.contracts.registry import Person, PriorityGroup, Sex, WorkerRegistered
from lmis_shared.events import EventPayload
from lmis_shared.reference import citizen_id, ethnicities, units

MINIMUM_AGE = 18  # Law 69/2020/QH14, art. 44: a worker going abroad must be at least 18


class WorkerStatus(StrEnum):
    registered = "registered"
    in_training = "in_training"
    contracted = "contracted"
    departed = "departed"
    returned = "returned"
    absconded = "absconded"
    overstaying = "overstaying"
    withdrawn = "withdrawn"


def normalise_text(value: str) -> str:
    """NFC, trimmed, inner runs of white space folded: Vietnamese kept exactly as typed."""
    return " ".join(unicodedata.normalize("NFC", value).split())


class RegisterWorker(BaseModel):
    """Open a new outbound-worker file."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    full_name: str = Field(min_length=2, max_length=100, examples=["Nguyễn Văn An"])
    date_of_birth: date = Field(examples=["1998-04-12"])
    sex: Sex
    ethnicity: str = Field(
        description="one of the 54 ethnic groups, by code ('01') or name ('Kinh', 'Thái')",
        examples=["Thái"],
    )
    citizen_id: str = Field(description="12-digit citizen ID (CCCD)", examples=["012098001234"])
    commune_code: str = Field(description="current commune code", examples=["03637"])
    priority_groups: tuple[PriorityGroup, ...] = ()
    registered_on: date | None = Field(None, description="defaults to today; may be in the past")

    @field_validator("full_name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = normalise_text(value)
        if not any(c.isalpha() for c in value):
            raise ValueError("must contain letters")
        if any(c.isdigit() for c in value):
            raise ValueError("must not contain digits")
        return value

    @field_validator("ethnicity")
    @classmethod
    def _ethnicity(cls, value: str) -> str:
        code = ethnicities.ethnicity_code(value)
        if code is None:
            raise ValueError("is not one of the 54 ethnic groups (give its code or name)")
        return code

    @field_validator("citizen_id")
    @classmethod
    def _citizen_id(cls, value: str, info: ValidationInfo) -> str:
        citizen_id.check_shape(value)
        born, sex = info.data.get("date_of_birth"), info.data.get("sex")
        if born is not None and sex is not None:
            citizen_id.check_matches(value, born, sex)
        return value

    @field_validator("commune_code")
    @classmethod
    def _commune(cls, value: str) -> str:
        if not units.is_commune(value):
            raise ValueError("is not a current commune code")
        return value

    @field_validator("priority_groups")
    @classmethod
    def _distinct(cls, value: tuple[PriorityGroup, ...]) -> tuple[PriorityGroup, ...]:
        return tuple(dict.fromkeys(value))


@dataclass(frozen=True)
class WorkerFile:
    """A worker file's state, folded from its events."""

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

    def with_version(self, version: int) -> Self:
        return replace(self, version=version)


def decide_register(command: RegisterWorker, today: date) -> list[EventPayload]:
    registered_on = command.registered_on or today
    if registered_on > today:
        raise InvalidField("registered_on", "must not be in the future")
    if command.date_of_birth > today:
        raise InvalidField("date_of_birth", "must not be in the future")
    if _age_on(command.date_of_birth, registered_on) < MINIMUM_AGE:
        raise InvalidField("date_of_birth", f"the worker must be at least {MINIMUM_AGE}")
    province = units.province_of(command.commune_code)
    assert province is not None  # the command validated the commune
    return [
        WorkerRegistered(
            person=Person(
                full_name=command.full_name,
                date_of_birth=command.date_of_birth,
                citizen_id=command.citizen_id,
            ),
            sex=command.sex,
            ethnicity=command.ethnicity,
            commune_code=command.commune_code,
            province_code=province,
            priority_groups=command.priority_groups,
            registered_on=registered_on,
        )
    ]


def evolve(state: WorkerFile | None, event: EventPayload, stream_id: UUID) -> WorkerFile:
    match event:
        case WorkerRegistered():
            return WorkerFile(
                id=stream_id,
                version=0,
                status=WorkerStatus.registered,
                person=event.person,
                sex=event.sex,
                ethnicity=event.ethnicity,
                commune_code=event.commune_code,
                province_code=event.province_code,
                priority_groups=event.priority_groups,
                registered_on=event.registered_on,
            )
    if state is None:
        raise IllegalTransition("absent", ["register"], command=event.event_type)
    return state


def fold(stream_id: UUID, events: Iterable[tuple[int, EventPayload]]) -> WorkerFile | None:
    state: WorkerFile | None = None
    for version, event in events:
        state = evolve(state, event, stream_id).with_version(version)
    return state


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
