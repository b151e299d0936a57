"""Translators from what people type in a spreadsheet to what the API's commands take.

They translate, they do not validate: "12/04/1998" becomes the date the API would receive as
"1998-04-12", "Nữ" becomes "female"; whether that date or value is acceptable is the command
model's business, so the rules exist once. Reasons never quote the cell's text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache

from lmis_shared.imports.template import Parse
from lmis_shared.reference.ethnicities import fold

# dd/mm/yyyy (the Vietnamese order; also with - or .) or ISO yyyy-mm-dd (XLSX date cells)
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@lru_cache(maxsize=1 << 16)  # a column of a hundred thousand dates holds a few thousand days
def vietnamese_date(text: str) -> date:
    """A date written day first (12/04/1998) or as ISO (1998-04-12); never month first."""
    if match := _DAY_FIRST.match(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise ValueError("is not a date written dd/mm/yyyy")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("is not a date of the calendar") from None


def choice(labels: Mapping[str, str]) -> Parse:
    """One of `labels` (Vietnamese label → API value), written in any case, with or without
    diacritics; the API value itself is accepted too."""
    table = _folded(labels)
    shown = ", ".join(labels)

    @lru_cache(maxsize=256)  # a column holds the same few labels a hundred thousand times
    def parse(text: str) -> str:
        value = table.get(fold(text))
        if value is None:
            raise ValueError(f"must be one of: {shown}")
        return value

    return parse


def choices(labels: Mapping[str, str], separators: str = ";,") -> Parse:
    """Several of `labels` in one cell, separated by `;` or `,`; an empty cell is none."""
    table = _folded(labels)
    shown = ", ".join(labels)
    splitter = re.compile("[" + re.escape(separators) + "]")

    @lru_cache(maxsize=256)
    def parse(text: str) -> tuple[str, ...]:
        found: list[str] = []
        for part in filter(None, (p.strip() for p in splitter.split(text))):
            value = table.get(fold(part))
            if value is None:
                raise ValueError(f"each value must be one of: {shown}")
            found.append(value)
        return tuple(found)

    return parse


def _folded(labels: Mapping[str, str]) -> dict[str, str]:
    return {fold(label): value for label, value in labels.items()} | {
        fold(value): value for value in labels.values()
    }
