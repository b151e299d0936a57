"""Read-model rows into the application's records.

A list row's dataclass names its fields after the table's columns, so the mapping is the
field list itself; only a column that is renamed or needs converting (an enum, a tuple) is
spelled out, as an override. A column the record does not name (a search key, say) is not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    R = TypeVar("R", bound=DataclassInstance)
else:
    R = TypeVar("R")


def from_row(record: type[R], row: asyncpg.Record | Mapping[str, Any], **overrides: Any) -> R:
    """`record` built from the `row`'s columns of the same names, and `overrides` for the
    fields whose column is named otherwise or whose value needs converting."""
    values = {f.name: row[f.name] for f in fields(record) if f.name not in overrides}
    return record(**values, **overrides)
