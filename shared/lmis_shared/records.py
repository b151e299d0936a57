"""One record built from others that name the same fields: an event from the command that
decided it, a state from its event, a response model from a state or a list row.

The target's field list is the mapping, as with `lmis_shared.rows.from_row`: a field is read
from the first source that has an attribute of its name, and only what is renamed, computed
or converted is spelled out. A pydantic model still validates what it is given (an
enumeration from its value, a list from a tuple), so a field that no source has and no
default covers is a validation error naming it; a dataclass gets the values as they are.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any, TypeVar, cast

from pydantic import BaseModel

R = TypeVar("R")

_MISSING = object()


def record_from(record: type[R], *sources: object, **computed: Any) -> R:
    """`record` (a pydantic model or a dataclass) with each field read from the first of
    `sources` that has an attribute of that name, and the `computed` others."""
    values: dict[str, Any] = {}
    for name in _field_names(cast(type, record)) - computed.keys():
        for source in sources:
            value = getattr(source, name, _MISSING)
            if value is not _MISSING:
                values[name] = value
                break
    if issubclass(record, BaseModel):
        return record.model_validate(values | computed)
    return record(**values, **computed)


@cache  # a class's fields do not change; reading pydantic's `model_fields` is slow
def _field_names(record: type) -> frozenset[str]:
    if issubclass(record, BaseModel):
        return frozenset(record.model_fields)
    assert dataclasses.is_dataclass(record), f"{record.__name__}: not a model or a dataclass"
    return frozenset(f.name for f in dataclasses.fields(record) if f.init)


B = TypeVar("B", bound=BaseModel)
_set = object.__setattr__


def validated_already(model: type[B], values: dict[str, Any]) -> B:
    """`model` holding `values` as they are: values another model validated to the field's
    own types already (an event made of the command that decided it), every field given, in
    the model's order. The instance pydantic's `model_validate` makes of them, without its
    validation: 1.7 µs for an import's registration event and its person, against 3 for the
    validation and 5 with `record_from` (pydantic's `model_construct`, in Python, is dearer
    than validating). Tests prove it equal to the validated model for each caller."""
    made = model.__new__(model)
    _set(made, "__dict__", values)
    _set(made, "__pydantic_fields_set__", set(values))
    _set(made, "__pydantic_extra__", None)
    _set(made, "__pydantic_private__", None)
    return made
