"""Rows written many at a time: one array per column, for a statement that `unnest`s them
(one round trip whatever the number of rows)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T")


def column_arrays(rows: Sequence[T], *columns: str | Callable[[T], Any]) -> tuple[list[Any], ...]:
    """An array per column, in order: a column is an attribute path (`metadata.event_id`,
    `rule.value`) or a function of the row for a value that must be converted first."""
    getters = [attrgetter(c) if isinstance(c, str) else c for c in columns]
    return tuple([get(row) for row in rows] for get in getters)
