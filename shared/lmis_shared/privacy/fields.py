"""Which fields of an event are personal, read from the contract classes.

The convention of `lmis_shared.contracts.publish`: a top-level field named `person` or `card`
(where every producer keeps its personal identifiers) is personal, and so is a field its
contract marks `Field(json_schema_extra={"x-personal-data": True})`. A personal field is
sealed as a whole: one envelope per group.
"""

from __future__ import annotations

import datetime as dt
import types
from functools import cache
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

PERSONAL = "x-personal-data"
PERSONAL_CONTAINERS = frozenset({"person", "card"})
ENCRYPTED = "x-encrypted"


@cache
def personal_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The top-level personal fields of an event class, in declaration order."""
    found: list[str] = []
    for name, info in cls.model_fields.items():
        extra = info.json_schema_extra
        marked = isinstance(extra, dict) and bool(extra.get(PERSONAL))
        if name in PERSONAL_CONTAINERS or marked:
            found.append(name)
    return tuple(found)


def placeholders(cls: type[BaseModel], names: tuple[str, ...]) -> dict[str, Any]:
    """Neutral JSON values that validate as the erased fields `names` of `cls`: the fold of an
    erased person's events still runs; what it yields for these fields is never shown (the
    state's erasure record says so). Each value is made once per field and shared (only ever
    read, by validation): a rebuild replays a sealed registration per worker, and making them
    anew was measured at half of typing one."""
    return {name: _neutral_field(cls, name) for name in names}


@cache
def _neutral_field(cls: type[BaseModel], name: str) -> Any:
    return _neutral(cls.model_fields[name].annotation)


def _neutral(annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        if type(None) in get_args(annotation):
            return None
        return _neutral(get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {
            name: _neutral(info.annotation)
            for name, info in annotation.model_fields.items()
            if info.is_required()
        }
    neutral: dict[Any, Any] = {str: "", dt.date: dt.date.min.isoformat(), int: 0, bool: False}
    if annotation in neutral:
        return neutral[annotation]
    if origin in (tuple, list):
        return []
    raise TypeError(f"no neutral value for a personal field of type {annotation!r}")


def without_sealed(cls: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """`data` as a consumer without the data key validates it: each sealed field (an envelope:
    a dict marked `$enc`) replaced by its neutral placeholder. Consumers that count never read
    personal fields, so they never need the key."""
    sealed = tuple(f for f, v in data.items() if isinstance(v, dict) and "$enc" in v)
    if not sealed:
        return data
    return {**data, **placeholders(cls, tuple(f for f in sealed if f in cls.model_fields))}
