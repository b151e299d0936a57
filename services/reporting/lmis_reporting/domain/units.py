"""Administrative units as data, in two hierarchies.

`current`: since 2025-07-01, 34 provinces with communes/wards directly under them.
`legacy`: before, 63 provinces → ~700 districts → ~10,000 communes. Counts recorded against
either can be rolled up, so both are kept; the hierarchy is data, never code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from lmis_reporting.domain.collation import SortKey, vietnamese_sort_key

Hierarchy = Literal["current", "legacy"]
Level = Literal["province", "district", "commune"]
HIERARCHIES: tuple[Hierarchy, ...] = ("current", "legacy")

# Kinds of unit that open a name. Lists are ordered by the proper name after them, as a reader
# looks for "Đà Nẵng", not "Thành phố Đà Nẵng"; longest first so "Thị xã" wins over "Xã".
_KIND_PREFIXES = sorted(
    ("Thành phố", "Tỉnh", "Quận", "Huyện", "Thị xã", "Thị trấn", "Xã", "Phường", "Đặc khu"),
    key=len,
    reverse=True,
)


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: Level
    parent_code: str | None
    hierarchy: Hierarchy
    province_code: str


def proper_name(name: str) -> str:
    """The name without the kind of unit before it: "Xã Mường Kim" → "Mường Kim"."""
    for prefix in _KIND_PREFIXES:
        if name.startswith(prefix + " "):
            return name[len(prefix) + 1 :]
    return name


def unit_sort_key(name: str) -> tuple[SortKey, SortKey]:
    """Vietnamese order of the proper name, then of the whole name (Phường X before Xã X).

    Runs of spaces count as one: the official list has a few doubled ones ("Phường  Tân An").
    """
    tidy = " ".join(name.split())
    return vietnamese_sort_key(proper_name(tidy)), vietnamese_sort_key(tidy)


def closure(units: Iterable[Unit]) -> Iterator[tuple[str, str, int]]:
    """Every (ancestor, descendant, depth) pair, each unit its own ancestor at depth 0.

    Kept as a table, it turns "everything under X" into one indexed lookup at any depth.
    """
    by_code = {u.code: u for u in units}
    for unit in by_code.values():
        depth, ancestor = 0, unit
        while True:
            yield ancestor.code, unit.code, depth
            if ancestor.parent_code is None:
                break
            depth, ancestor = depth + 1, by_code[ancestor.parent_code]
