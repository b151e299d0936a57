"""Rows in PostgreSQL's text COPY format: the reference the import's binary COPY rows are
held to (`test_copy_list_rows`: the same values stored either way). A bulk
import's worker process wrote its list rows and claims as these lines until they too went
binary (`eventstore/copy_rows.py`, `worker_list.row_line`); no production path writes them now.

The format is PostgreSQL's (`COPY ... FROM STDIN`, text): tab between columns, `\\N` for NULL,
and backslash, newline, carriage return and tab escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from lmis_shared.events import SpelledUUID
from lmis_shared.eventstore.postgres import Connection
from lmis_shared.eventstore.rows import EVENT_COLUMNS, KEY_COLUMNS

NULL = "\\N"
_NEEDS_ESCAPE = re.compile(r"[\\\n\r\t]")
_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def text(value: str) -> str:
    """A text value as COPY reads it back unchanged (most need no escape: looked for first,
    `translate` is slow)."""
    return value.translate(_ESCAPES) if _NEEDS_ESCAPE.search(value) else value


def field(value: Any) -> str:
    """One column's value in the text format (the types the registry's tables hold): by its
    exact type first, a dictionary look (an import writes millions), then by its kind."""
    format_exact = _BY_TYPE.get(type(value))
    if format_exact is not None:
        return format_exact(value)
    if isinstance(value, str):
        return text(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, UUID | int):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return _bytea(value)
    if isinstance(value, list | tuple):
        return text(_array(value))
    raise TypeError(f"no COPY text form for {type(value).__name__}")


def _bytea(value: bytes) -> str:
    """bytea's hex form, its backslash escaped for COPY."""
    return "\\\\x" + value.hex()


def _sequence(value: Sequence[Any]) -> str:
    return text(_array(value))


_BY_TYPE: dict[type, Callable[[Any], str]] = {
    str: text,
    type(None): lambda _: NULL,
    UUID: str,
    SpelledUUID: str,  # an imported file's id, spelled once
    int: str,
    bool: lambda value: "t" if value else "f",
    date: date.isoformat,
    datetime: datetime.isoformat,
    bytes: _bytea,
    list: _sequence,
    tuple: _sequence,
}


needs_escape = _NEEDS_ESCAPE.search
"""Whether a text needs an escape (`text` would change it): a writer of whole lines looks
once in all of a row's texts."""
_formats = _BY_TYPE.get


def _array(values: Sequence[Any]) -> str:
    """A one-dimensional array literal: every element quoted, NULL as NULL."""
    items = (
        "NULL" if v is None else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
        for v in values
    )
    return "{" + ",".join(items) + "}"


def line(values: Iterable[Any]) -> str:
    # NULL and text, most of a row's values, without a call to `text` or `field` each (a text
    # is looked at in place, another value formatted by its exact type's own function): 2.4
    # µs an import's list row, against 3.5 calling them, measured
    return (
        "\t".join(
            [
                NULL
                if v is None
                else (text(v) if needs_escape(v) else v)
                if type(v) is str
                else (_formats(type(v)) or field)(v)
                for v in values
            ]
        )
        + "\n"
    )


async def copy_lines(
    conn: Connection, schema: str, table: str, columns: Sequence[str], lines: bytes
) -> None:
    """COPY `lines` (text format, UTF-8) into `schema.table`.

    Handed to asyncpg as a memoryview: it sends a buffer as it is, where a file (BytesIO)
    is read in 512 KiB chunks, each in a thread of the executor and awaited under a timeout
    of its own (2.4-2.9 µs of this process's CPU a row of an import against 1.6, measured). Not
    as bytes: asyncpg would take those for a file's path (`os.fspath` accepts them)."""
    # asyncpg documents "an object supporting the buffer protocol"; its stubs leave it out
    buffer: Any = memoryview(lines)
    await conn.copy_to_table(
        table, source=buffer, schema_name=schema, columns=list(columns), format="text"
    )


__all__ = ["EVENT_COLUMNS", "KEY_COLUMNS", "copy_lines", "line"]
