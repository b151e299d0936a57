"""One pydantic model built from records that name the same fields: an event from the command
that decided it, a response model from a state or a list row.

The target's field list is the mapping, as with `lmis_shared.rows.from_row`: a field is read
from the first source that has an attribute of its name, and only what is renamed, computed
or converted beyond what the model validates is spelled out. The model still validates what
it is given (an enumeration from its value, a list from a tuple), so a field no source has
and no default covers is a validation error naming it, not a silent gap.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

_MISSING = object()


def model_from(model: type[M], *sources: object, **computed: Any) -> M:
    """`model` with each field read from the first of `sources` that has an attribute of that
    name, and the `computed` others."""
    values: dict[str, Any] = {}
    for name in model.model_fields.keys() - computed.keys():
        for source in sources:
            value = getattr(source, name, _MISSING)
            if value is not _MISSING:
                values[name] = value
                break
    return model.model_validate(values | computed)
