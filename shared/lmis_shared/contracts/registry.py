"""Events produced by the registry service (outbound workers and their loans).

Personal identifiers sit together under `person`, apart from the fields that indicators and
agencies need (commune, sex, ethnicity, priority groups): that keeps them easy to redact for a
topic that must not carry them and, later, to encrypt with a per-person key.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from lmis_shared.events import EventPayload, event


class Sex(StrEnum):
    male = "male"
    female = "female"


class PriorityGroup(StrEnum):
    demobilised_soldier = "demobilised_soldier"
    ethnic_minority = "ethnic_minority"
    poor_household = "poor_household"
    near_poor_household = "near_poor_household"
    land_lost_farmer = "land_lost_farmer"
    difficult_area = "difficult_area"


class Person(BaseModel):
    """Personal data of a worker file. Never logged, never traced."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    full_name: str
    date_of_birth: date
    citizen_id: str


@event("lmis.registry.worker.registered.v1", stream_type="worker")
class WorkerRegistered(EventPayload):
    person: Person
    sex: Sex
    ethnicity: str
    commune_code: str
    province_code: str
    priority_groups: tuple[PriorityGroup, ...] = ()
    registered_on: date
