"""The COPY text lines' short cut (`copy_text_reference.line`: texts looked at in place) writes what
escaping each value with `text`/`field` writes, awkward characters and all (that PostgreSQL
reads such lines back unchanged is `tests/integration/test_copy_text.py`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import pytest

from lmis_shared.events import SpelledUUID
from tests.copy_text_reference import NULL, field, line, text

AWKWARD = 'Lò\tThị\nMai\\ "Páo" \r{x,y} \\N'
CONTROL = "".join(chr(c) for c in range(32)) + "\x7f\u2028\u00a0"


class Kind(StrEnum):
    tab = "a\tb"


def each_escaped(values: Iterable[Any]) -> str:
    """The line as written before: every value through `text` or `field`."""
    escaped = [NULL if v is None else text(v) if type(v) is str else field(v) for v in values]
    return "\t".join(escaped) + "\n"


ROWS: list[tuple[Any, ...]] = [
    (
        SpelledUUID(int=uuid.uuid4().int),
        uuid.uuid4(),
        AWKWARD,
        CONTROL,
        "Nguyễn Văn Hải",
        "\\",
        [AWKWARD, "Dân tộc thiểu số", "a,b", None],
        (Kind.tab,),
        b"\x00\x01\\\xff",
        datetime(2026, 11, 23, 3, 0, 0, 123456, tzinfo=UTC),
        date(2023, 1, 31),
        7,
        True,
        Kind.tab,
        None,
    ),
    ("", None, "registered", " vang van hai", ["ethnic_minority"], date(2023, 4, 7), "\r"),
]


@pytest.mark.parametrize("row", ROWS)
def test_a_line_is_its_values_each_escaped(row: tuple[Any, ...]) -> None:
    assert line(row) == each_escaped(row)
    assert line(iter(row)) == each_escaped(row)
