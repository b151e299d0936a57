"""Rows in PostgreSQL's binary COPY format, encoded where they are made.

A split rebuild (`replay_parts.py`) makes its millions of per-stream rows in the parts'
processes. Made into tuples there, sent over, and encoded by asyncpg in the swap's process,
they took most of the swap's locked time, measured; encoded in the parts, the swap only
forwards bytes to `COPY ... FROM STDIN (FORMAT binary)`. The binary form needs no escaping
(the text form must escape backslashes, tabs and line ends inside values) and spares the
server parsing uuids and dates. The format is PostgreSQL's ("COPY", "Binary Format"): a
header, then per row its field count and per field its length (-1 for NULL) and bytes, then
a trailer. `Encoded` keeps where each row starts, so that rows can be read back or left out.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
"""The signature, no flags, no header extension."""

TRAILER = b"\xff\xff"

NULL = b"\xff\xff\xff\xff"

_EPOCH = date(2000, 1, 1).toordinal()
"""PostgreSQL's dates count days from 2000-01-01."""

_int2 = struct.Struct(">h")
_int4 = struct.Struct(">i")
_int8 = struct.Struct(">q")
_UUID_LENGTH = _int4.pack(16)
_DATE_LENGTH = _int4.pack(4)
_BIGINT_LENGTH = _int4.pack(8)
_JSONB_VERSION = b"\x01"

CHUNK = 1 << 20
"""Bytes per COPY message: the server stores rows while the next are sent."""


def uuid_field(raw: bytes) -> bytes:
    """A uuid from its 16 bytes (its length alone from none: rows that start alike)."""
    return _UUID_LENGTH + raw


def text_field(value: str | None) -> bytes:
    if value is None:
        return NULL
    data = value.encode()
    return _int4.pack(len(data)) + data


def date_field(value: date | None) -> bytes:
    if value is None:
        return NULL
    return _DATE_LENGTH + _int4.pack(value.toordinal() - _EPOCH)


def bigint_field(value: int) -> bytes:
    return _BIGINT_LENGTH + _int8.pack(value)


def jsonb_field(text: bytes) -> bytes:
    """A jsonb from its JSON text, encoded (the server parses it as it would the text)."""
    return _int4.pack(len(text) + 1) + _JSONB_VERSION + text


_TEXT_ARRAY = struct.Struct(">iiIii")
_EMPTY_TEXT_ARRAY = _int4.pack(12) + struct.pack(">iiI", 0, 0, 25)
"""No dimension, no NULL, text's type oid (25): what `'{}'::text[]` reads as."""


def text_array_field(values: Sequence[str]) -> bytes:
    """A one-dimensional `text[]` of texts (no NULL): one dimension of `len(values)` from 1,
    no NULL, text's type oid, then each element as a `text_field`."""
    if not values:
        return _EMPTY_TEXT_ARRAY
    body = _TEXT_ARRAY.pack(1, 0, 25, len(values), 1) + b"".join(map(text_field, values))
    return _int4.pack(len(body)) + body


def field_count(count: int) -> bytes:
    """A row's start: how many fields follow."""
    return _int2.pack(count)


def row(fields: Sequence[bytes]) -> bytes:
    return field_count(len(fields)) + b"".join(fields)


class TextFields:
    """`text_field`, each distinct value encoded once (codes and kinds repeat by the million)."""

    def __init__(self) -> None:
        self._made: dict[str | None, bytes] = {}

    def __call__(self, value: str | None) -> bytes:
        made = self._made.get(value)
        if made is None:
            made = self._made[value] = text_field(value)
        return made


def read_fields(data: bytes, start: int) -> list[bytes | None]:
    """The fields of the row at `start`, as their bytes (None for NULL)."""
    (count,) = _int2.unpack_from(data, start)
    at, fields = start + 2, list[bytes | None]()
    for _ in range(count):
        (length,) = _int4.unpack_from(data, at)
        at += 4
        if length < 0:
            fields.append(None)
            continue
        fields.append(data[at : at + length])
        at += length
    return fields


def read_text(field: bytes | None) -> str | None:
    return None if field is None else field.decode()


def read_date(field: bytes | None) -> date | None:
    return None if field is None else date.fromordinal(_int4.unpack(field)[0] + _EPOCH)


def read_jsonb(field: bytes | None) -> str | None:
    return None if field is None else field[1:].decode()


@dataclass(frozen=True)
class Encoded:
    """Rows encoded one after another, without header or trailer, and where each starts (and
    the end): picklable at the cost of copying its bytes."""

    data: bytes
    starts: array[int]

    @classmethod
    def of(cls, rows: Sequence[bytes]) -> Encoded:
        return cls(b"".join(rows), array("q", accumulate(map(len, rows), initial=0)))

    def __len__(self) -> int:
        return len(self.starts) - 1

    def fields(self, k: int) -> list[bytes | None]:
        """Row `k`'s fields."""
        return read_fields(self.data, self.starts[k])

    def without(self, left_out: Iterable[int]) -> Iterator[memoryview]:
        """The rows but those numbered in `left_out` (ascending), as slices of the data."""
        view, starts, at = memoryview(self.data), self.starts, 0
        for k in left_out:
            if starts[k] > at:
                yield view[at : starts[k]]
            at = starts[k + 1]
        if at < len(view):
            yield view[at:]


def chunked(pieces: Iterable[bytes | memoryview]) -> Iterator[bytes | memoryview]:
    """`pieces` cut to at most `CHUNK` bytes each."""
    for piece in pieces:
        view = memoryview(piece)
        for at in range(0, len(view), CHUNK):
            yield view[at : at + CHUNK]
