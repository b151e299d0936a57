"""Rows written in PostgreSQL's text COPY format (`tests/copy_text_reference.py`, the reference
the import's binary rows are held to) read back as the values they were made from, awkward
characters and all."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import asyncpg
import pytest

from tests.copy_text_reference import copy_lines, line

pytestmark = pytest.mark.integration

AWKWARD = 'Lò\tThị\nMai\\ "Páo" \r{x,y} \\N'
ROWS = [
    (
        uuid.uuid4(),
        AWKWARD,
        [AWKWARD, "Dân tộc thiểu số", "a,b", "NULL"],
        b"\x00\x01\\\xff",
        datetime(2026, 11, 23, 3, 0, 0, 123456, tzinfo=UTC),
        date(2023, 1, 31),
        7,
        True,
    ),
    (uuid.uuid4(), None, [], b"", datetime(2026, 1, 1, tzinfo=UTC), None, None, False),
]


async def test_values_written_as_copy_text_read_back_unchanged(
    pg_pool: asyncpg.Pool, fresh_schema: str
) -> None:
    async with pg_pool.acquire() as conn:
        await conn.execute(f'create schema "{fresh_schema}"')
        await conn.execute(
            f'create table "{fresh_schema}".t (id uuid, name text, groups text[], raw bytea,'
            " at timestamptz, day date, n bigint, yes boolean)"
        )
        columns = ["id", "name", "groups", "raw", "at", "day", "n", "yes"]
        lines = "".join(line(r) for r in ROWS).encode()
        await copy_lines(conn, fresh_schema, "t", columns, lines)
        back = await conn.fetch(f'select * from "{fresh_schema}".t order by n nulls last')
    assert [tuple(r) for r in back] == ROWS
