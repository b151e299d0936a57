"""Rows encoded for binary COPY (`copy_binary.py`): read back as written, rows left out
exactly, and cut into messages without losing or reordering a byte. (That PostgreSQL stores
them as asyncpg's own encoding would: `tests/integration/test_rebuild_encoded.py`.)"""

from __future__ import annotations

import random
from datetime import date
from uuid import uuid4

from lmis_shared.processing import copy_binary as cb

TEXTS = ['Thái "Đen"', "a\\b", "tab\there", "line\nend", "\\N", "", None]


def test_fields_are_read_back_as_written() -> None:
    rnd = random.Random(1)
    rows = [
        (uuid4().bytes, rnd.choice(TEXTS), rnd.choice([None, date(2026, 1, 1), date(1999, 12, 31)]))
        for _ in range(200)
    ]
    encoded = cb.Encoded.of(
        [cb.row((cb.uuid_field(i), cb.text_field(t), cb.date_field(d))) for i, t, d in rows]
    )
    assert len(encoded) == len(rows)
    for k, (i, t, d) in enumerate(rows):
        raw, text, day = encoded.fields(k)
        assert (raw, cb.read_text(text), cb.read_date(day)) == (i, t, d)


def test_rows_left_out_are_exactly_those_named() -> None:
    rows = [cb.row((cb.bigint_field(n), cb.jsonb_field(b'{"n": %d}' % n))) for n in range(50)]
    encoded = cb.Encoded.of(rows)
    for left_out in ([], [0], [49], [0, 1, 2], [10, 11, 30, 49], list(range(50))):
        kept = b"".join(encoded.without(left_out))
        assert kept == b"".join(r for n, r in enumerate(rows) if n not in left_out)


def test_pieces_are_cut_into_messages_in_order() -> None:
    rnd = random.Random(2)
    pieces = [
        rnd.randbytes(rnd.choice([0, 1, cb.CHUNK - 1, cb.CHUNK, 3 * cb.CHUNK + 7]))
        for _ in range(8)
    ]
    pieces.append(memoryview(rnd.randbytes(cb.CHUNK + 1))[1:])
    messages = list(cb.chunked(pieces))
    assert all(0 < len(m) <= cb.CHUNK for m in messages)
    assert b"".join(messages) == b"".join(bytes(p) for p in pieces)
