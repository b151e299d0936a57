"""The erasure fact every producer of personal data records: who erased whose data, and why.

A producer's `...erased.v1` event derives from `PersonalDataErased`; appending it destroys the
subject's data key in the same transaction (`PersonalData.seal`). It carries no personal data:
the subject is the stream, the officer is the event's actor.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from lmis_shared.auth.principal import Principal, Role
from lmis_shared.commands.context import CommandContext
from lmis_shared.events import EventPayload

REQUEST_REFERENCE_MAX = 120
LEGAL_BASIS_MAX = 500


class PersonalDataErased(EventPayload):
    erases_personal_data: ClassVar[bool] = True

    legal_basis: str = Field(min_length=1, max_length=LEGAL_BASIS_MAX)
    """Why: the article, decision or request the erasure rests on (no personal data)."""
    request_reference: str = Field(min_length=1, max_length=REQUEST_REFERENCE_MAX)
    """The reference of the request or decision in the office's records."""
    erased_on: date


@cache  # a missing class attribute goes through pydantic's metaclass: slow, asked per event
def erases(cls: type[EventPayload]) -> bool:
    return bool(getattr(cls, "erases_personal_data", False))


class EraseRequest(BaseModel):
    """The body of `POST .../{id}/erase` (admin only): the legal basis and the request's
    reference are both required."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    command_name: ClassVar[str] = "erase"

    legal_basis: str = Field(
        min_length=1,
        max_length=LEGAL_BASIS_MAX,
        description="the article, decision or request the erasure rests on (no personal data)",
    )
    request_reference: str = Field(
        min_length=1,
        max_length=REQUEST_REFERENCE_MAX,
        description="the reference of the request or decision in the office's records",
    )


E = TypeVar("E", bound=PersonalDataErased)


def decide_erasure(already: bool, request: EraseRequest, today: date, fact: type[E]) -> list[E]:
    """The erasure event, or nothing for a subject already erased (the key is gone already)."""
    if already:
        return []
    return [
        fact(
            legal_basis=request.legal_basis,
            request_reference=request.request_reference,
            erased_on=today,
        )
    ]


@dataclass(frozen=True)
class Erasure:
    """What a file's state keeps of its erasure: views and read models show no personal field
    of a file that has one (the fold saw only neutral placeholders for them)."""

    erased_on: date
    legal_basis: str
    request_reference: str

    @classmethod
    def of(cls, event: PersonalDataErased) -> Erasure:
        return cls(event.erased_on, event.legal_basis, event.request_reference)


def operator_context(actor: str, idempotency_key: str) -> CommandContext:
    """The context of an erasure an operator runs from the command line (`lmis privacy
    erase --due`): the named actor acting as an admin; the key makes a rerun replay."""
    return CommandContext(
        principal=Principal(subject=actor, role=Role.ADMIN, scope=""),
        correlation_id=uuid.uuid4(),
        idempotency_key=idempotency_key,
    )
