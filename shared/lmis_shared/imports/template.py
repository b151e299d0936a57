"""An import template as data: its columns, their Vietnamese headings, and how a heading
written by a person is matched to a column.

A service declares one `Template` per kind of record; the reader, the blank-template writer
and the error report all work from it, so the headings shipped to provinces and the headings
the import accepts cannot drift apart.

Matching folds a heading (lower case, no diacritics, `đ` → `d`, no spaces or punctuation),
so "Họ và tên", "HO VA TEN", "ho  va ten" and "Họ và tên (*)" are one heading. Each column may
list aliases (the names provinces already use, "CCCD" for "Số CCCD"), and its field name
("citizen_id") is accepted too, for files written by scripts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from lmis_shared.reference.ethnicities import fold

Parse = Callable[[str], object]
"""Translates a cell's text into the value the command expects ("Nữ" → "female"); raises
ValueError with a reason that never quotes the text."""


@dataclass(frozen=True)
class Column:
    heading: str
    """The Vietnamese heading, as written in the template."""
    field: str
    """The command field it fills; `group.name` for a later command of the row."""
    required: bool = False
    example: str = ""
    help: str = ""
    aliases: tuple[str, ...] = ()
    parse: Parse | None = None
    digits: int | None = None
    """A code of this many digits: a spreadsheet stores one typed as a number without its
    leading zeros, so a NUMERIC cell is padded back to this width (text is never touched)."""


@dataclass(frozen=True)
class Template:
    name: str
    """File-name stem of the blank template, e.g. `mau_nhap_nguoi_lao_dong`."""
    sheet: str
    """Title of the data sheet (the reader falls back to the first sheet)."""
    columns: tuple[Column, ...]
    ignored: tuple[str, ...] = ("STT", "Ghi chú")
    """Headings accepted and not imported: row counters, comments."""
    notes: tuple[str, ...] = ()
    """General instructions for the notes sheet, one paragraph each."""

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for column in self.columns:
            for name in column_names(column):
                if seen.setdefault(fold(name), column.field) != column.field:
                    raise ValueError(f"heading {name!r} would match two columns")

    @cached_property
    def by_field(self) -> dict[str, Column]:
        return {c.field: c for c in self.columns}

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {c.field: i for i, c in enumerate(self.columns)}

    def position(self, field: str) -> int:
        """The column's place in the template (errors are listed in this order); after all
        columns for a field the template does not have."""
        return self._positions.get(field, len(self.columns))

    @cached_property
    def _lookup(self) -> dict[str, Column]:
        return {fold(name): c for c in self.columns for name in column_names(c)}

    def match(self, heading: str) -> Column | None:
        """The column a heading written in a file stands for, if any."""
        return self._lookup.get(fold(heading))

    def group_columns(
        self, prefix: str
    ) -> tuple[dict[str, tuple[str, Parse | None]], frozenset[str]]:
        """The columns feeding the command of `prefix` ("" the row's own, "contract." a later
        one's): field → (the command's field name, the cell's translator), and the fields of
        them that are required (a set: a row's cells are checked for all of them at once).
        Worked out once per group, not per row."""
        if prefix not in self._groups:
            mine = [(c, name) for c in self.columns if (name := in_group(c.field, prefix))]
            self._groups[prefix] = (
                {c.field: (name, c.parse) for c, name in mine},
                frozenset(c.field for c, _ in mine if c.required),
            )
        return self._groups[prefix]

    @cached_property
    def _groups(self) -> dict[str, tuple[dict[str, tuple[str, Parse | None]], frozenset[str]]]:
        return {}

    def is_ignored(self, heading: str) -> bool:
        return fold(heading) in {fold(h) for h in self.ignored}

    def example_row(self) -> dict[str, str]:
        return {c.field: c.example for c in self.columns if c.example}


def in_group(field_name: str, prefix: str) -> str | None:
    """The command's name of a template field if it feeds the command of `prefix`."""
    if prefix:
        return field_name[len(prefix) :] if field_name.startswith(prefix) else None
    return None if "." in field_name else field_name


def column_names(column: Column) -> Iterable[str]:
    return (column.heading, *column.aliases, column.field)
