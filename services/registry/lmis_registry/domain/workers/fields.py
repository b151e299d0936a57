"""What every worker-file command is made of: text kept as typed, amounts in VND, the base.

Text is kept exactly as typed, in NFC, with runs of white space folded: "Nguyễn Văn An"
typed with combining marks and typed precomposed are one name.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from lmis_shared.text import clean_text, nfc

MAX_VND = 10_000_000_000  # ten billion: above any salary or fee, below any typing slip


def wording(value: str) -> str:
    value = clean_text(value)
    if not any(c.isalpha() for c in value):
        raise ValueError("must contain letters")
    return value


Wording = Annotated[str, StringConstraints(min_length=2, max_length=200), AfterValidator(wording)]
Vnd = Annotated[int, Field(gt=0, le=MAX_VND)]
FeeName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
OverrideReason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=10, max_length=500),
    AfterValidator(nfc),
]
"""Why a contract that fails the register's check is entered anyway (a historical record)."""


def example(body: dict[str, Any]) -> ConfigDict:
    """A command's `model_config` showing one example request body in the OpenAPI document
    (pydantic merges it with the base command's config)."""
    return ConfigDict(json_schema_extra={"examples": [body]})


class WorkerCommand(BaseModel):
    """Base of the commands on an existing file; `command_name` is its name in the API."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    command_name: ClassVar[str]
