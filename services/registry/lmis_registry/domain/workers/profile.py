"""Commands on the person: registering a file and updating its profile.

The person's fields are checked alike in both (names, ethnic group, commune, citizen ID);
a profile update's agreement with the rest of the file is `decide`'s job.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from lmis_registry.domain.workers import lifecycle
from lmis_registry.domain.workers.fields import WorkerCommand, example, wording
from lmis_shared.contracts.registry import Education, PriorityGroup, Sex
from lmis_shared.reference import citizen_id, ethnicities, units
from lmis_shared.text import person_name

_PHONE = re.compile(r"^(?:\+84|0)\d{9,10}$")
_PASSPORT = re.compile(r"^[A-Z]\d{7}$")  # Vietnamese passports: a letter and seven digits


# --- person fields, shared by registration and profile updates --------------------------


def _full_name(value: str | None) -> str | None:
    return None if value is None else person_name(value)


def _ethnicity(value: str | None) -> str | None:
    if value is None:
        return None
    code = ethnicities.ethnicity_code(value)
    if code is None:
        raise ValueError("is not one of the 54 ethnic groups (give its code or name)")
    return code


def _commune(value: str | None) -> str | None:
    if value is not None and not units.is_commune(value):
        raise ValueError("is not a current commune code")
    return value


def _distinct(value: tuple[PriorityGroup, ...] | None) -> tuple[PriorityGroup, ...] | None:
    if value is None or len(value) < 2:  # distinct already (most rows: 0.05 µs against 0.18)
        return value
    return tuple(dict.fromkeys(value))


class RegisterWorker(BaseModel):
    """Open a new outbound-worker file."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    command_name: ClassVar[str] = "register"

    full_name: str = Field(min_length=2, max_length=100, examples=["Nguyễn Văn An"])
    date_of_birth: dt.date = Field(examples=["1998-04-12"])
    sex: Sex
    ethnicity: str = Field(
        description="one of the 54 ethnic groups, by code ('01') or name ('Kinh', 'Thái')",
        examples=["Thái"],
    )
    citizen_id: str = Field(description="12-digit citizen ID (CCCD)", examples=["012098001234"])
    commune_code: str = Field(description="current commune code", examples=["03637"])
    priority_groups: tuple[PriorityGroup, ...] = ()
    registered_on: dt.date | None = Field(None, description="defaults to today; may be in the past")

    _name = field_validator("full_name")(_full_name)
    _ethnic = field_validator("ethnicity")(_ethnicity)
    _unit = field_validator("commune_code")(_commune)
    _groups = field_validator("priority_groups")(_distinct)

    @field_validator("citizen_id")
    @classmethod
    def _citizen_id(cls, value: str, info: ValidationInfo) -> str:
        citizen_id.check_shape(value)
        born, sex = info.data.get("date_of_birth"), info.data.get("sex")
        if born is not None and sex is not None:
            citizen_id.check_matches(value, born, sex)
        return value


_REQUIRED_IN_PROFILE = (
    "full_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "citizen_id",
    "commune_code",
    "priority_groups",
)


class UpdateProfile(WorkerCommand):
    """Change some of a file's personal and social details: send only what changes.

    A field sent as null is cleared (passport, phone, village, education, occupation only).
    A changed citizen ID, date of birth or sex must still agree with each other.
    """

    command_name = lifecycle.UPDATE_PROFILE
    model_config = example({"phone": "0912345678", "priority_groups": []})

    full_name: str | None = Field(None, min_length=2, max_length=100)
    date_of_birth: dt.date | None = None
    sex: Sex | None = None
    ethnicity: str | None = None
    citizen_id: str | None = None
    passport_number: str | None = Field(None, examples=["C1234567"])
    phone: str | None = Field(None, examples=["0912345678"])
    commune_code: str | None = None
    village: str | None = Field(None, min_length=1, max_length=100, examples=["Bản Nậm Cuổi"])
    priority_groups: tuple[PriorityGroup, ...] | None = None
    education: Education | None = None
    occupation: str | None = Field(None, min_length=2, max_length=100, examples=["farmer"])

    _name = field_validator("full_name")(_full_name)
    _ethnic = field_validator("ethnicity")(_ethnicity)
    _unit = field_validator("commune_code")(_commune)
    _groups = field_validator("priority_groups")(_distinct)

    @field_validator(*_REQUIRED_IN_PROFILE, mode="before")
    @classmethod
    def _not_cleared(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be changed but not cleared")
        return value

    @field_validator("citizen_id")
    @classmethod
    def _citizen_id(cls, value: str | None) -> str | None:
        if value is not None:
            citizen_id.check_shape(value)
        return value

    @field_validator("passport_number")
    @classmethod
    def _passport(cls, value: str | None) -> str | None:
        if value is not None and not _PASSPORT.match(value := value.upper()):
            raise ValueError("must be a letter followed by seven digits")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = re.sub(r"[\s.\-()]", "", value)
        if not _PHONE.match(value):
            raise ValueError("must be a Vietnamese phone number (0… or +84…)")
        return value

    @field_validator("village", "occupation")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else wording(value)

    def changes(self) -> dict[str, Any]:
        """The fields the caller sent (null included), in declaration order."""
        return {
            name: getattr(self, name)
            for name in type(self).model_fields
            if name in self.model_fields_set
        }
