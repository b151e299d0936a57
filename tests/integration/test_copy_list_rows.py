"""List rows and open-file claims written as binary COPY rows (`worker_list.row_line`,
`bulk_files.claim_line`: what an import's worker processes make) are stored as the text
lines they replaced (`copy_text.line` of `worker_list.row_of`) stored the same: every column,
awkward texts, priority groups, old days, contracts and erased names."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache
from importlib.resources import files
from typing import Any

import asyncpg
import pytest

from lmis_registry.adapters import worker_list
from lmis_registry.adapters.bulk_files import claim_line
from lmis_registry.adapters.import_pool import Preparer, WorkerSetup
from lmis_registry.adapters.migrations import MIGRATIONS
from lmis_registry.adapters.open_files import citizen_key
from lmis_registry.application.import_prepared import PreparingJob
from lmis_registry.application.import_rows import RowPlanner
from lmis_registry.application.import_template import WORKER_TEMPLATE
from lmis_registry.domain.workers import WorkerFile
from lmis_registry.domain.workers.state import Abroad, WorkerStatus
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.contracts.registry import PriorityGroup
from lmis_shared.eventstore import AppendContext
from lmis_shared.eventstore.copy_rows import copy_rows_into
from lmis_shared.eventstore.postgres import Connection
from lmis_shared.imports import Row, Table, read_table
from lmis_shared.migrations import apply_migrations
from tests.copy_text_reference import copy_lines, line

pytestmark = pytest.mark.integration

SAMPLE = files("lmis_registry").joinpath("data", "import", "sample_workers.csv")
AWKWARD = 'Lò\tThị\nMai\\ "Páo" \r{x,y} \\N NULL, \U0001f600'
CLAIM_COLUMNS = ("citizen_key", "worker_id")


@cache
def _planned() -> WorkerFile:
    """A file an import opens (the sample's first row, planned as a worker plans it)."""
    table = read_table(SAMPLE.read_bytes(), WORKER_TEMPLATE)
    principal = Principal("officer-1", Role.PROVINCE_OFFICER, "12")
    preparer = Preparer(WorkerSetup(b"lookup" * 6, None, Authorizer()))
    context = AppendContext("officer-1", uuid.uuid4(), None, None, "import", datetime.now(UTC))
    job = PreparingJob(principal, date(2026, 11, 23), context, dict(table.headings), False)
    planned = Table(WORKER_TEMPLATE, job.headings, [])
    planner = RowPlanner(planned, principal, job.today, Authorizer(), preparer.file_id)
    first = table.rows[0]
    return planner.plan_row(Row(first.number, dict(first.values))).after


def _states() -> list[WorkerFile]:
    """Files an import opens, with awkward names and every kind of priority groups, and files
    written column by column (abroad, a later version and status)."""
    planned = _planned()
    groups: list[tuple[PriorityGroup, ...]] = [
        (),
        (PriorityGroup.ethnic_minority,),
        (*PriorityGroup,),
    ]
    made = [
        replace(
            planned,
            id=uuid.uuid4(),
            person=planned.person.model_copy(update={"full_name": name}),
            priority_groups=group,
            registered_on=day,
        )
        for name in ("Nguyễn Văn An", AWKWARD, "Đặng Thị Đào", "x")
        for group in groups
        for day in (date(2026, 11, 23), date(1999, 12, 31))
    ]
    abroad = replace(
        planned,
        id=uuid.uuid4(),
        version=7,
        status=WorkerStatus.departed,
        abroad=Abroad(date(1998, 1, 2), "Nội Bài"),
    )
    return [*made, abroad]


def _rows() -> list[tuple[Any, ...]]:
    """Rows as `row_of` makes them of files under contract, or erased (no name)."""
    named = (3, "contracted", AWKWARD, " " + AWKWARD, "03640", "12", [AWKWARD, "", "{a}"])
    contract = (date(2026, 1, 1), "JP", AWKWARD, "enterprise", AWKWARD, None, date(2026, 2, 3))
    erased = (9, "withdrawn", None, " ", "00004", "01", [], date(2024, 5, 6), *[None] * 6)
    return [
        (uuid.uuid4(), *named, *contract, "verified"),
        (uuid.uuid4(), *erased, "mismatch"),
    ]


async def _stored(conn: Connection, schema: str) -> list[tuple[Any, ...]]:
    """Every column of both tables, their text, and each row's stored size."""
    listed = await conn.fetch(
        f"select l.*, l::text, pg_column_size(l.*), pg_column_size(l.priority_groups)"
        f' from "{schema}".worker_list l order by worker_id'
    )
    claims = await conn.fetch(
        f'select o.*, o::text, pg_column_size(o.*) from "{schema}".open_files o'
        " order by citizen_key"
    )
    return [tuple(r) for r in listed] + [tuple(c) for c in claims]


async def test_list_rows_and_claims_copied_as_binary_rows_are_stored_as_text_lines_were(
    pg_pool: asyncpg.Pool, fresh_schema: str
) -> None:
    states, rows = _states(), _rows()
    claims = [(citizen_key(b"secret", f"0120980{n:05}"), s.id) for n, s in enumerate(states)]
    binary, text = fresh_schema, fresh_schema + "_text"
    for schema in (binary, text):
        await apply_migrations(pg_pool, schema, MIGRATIONS)
    async with pg_pool.acquire() as conn:
        async with conn.transaction():
            listed = [worker_list.row_line(s) for s in states]
            listed += [worker_list.binary_row(r) for r in rows]
            await copy_rows_into(conn, binary, "worker_list", worker_list.COLUMNS, b"".join(listed))
            rows_claimed = sorted(claim_line(key, worker_id) for key, worker_id in claims)
            await copy_rows_into(conn, binary, "open_files", CLAIM_COLUMNS, b"".join(rows_claimed))
        async with conn.transaction():
            lines = [line(worker_list.row_of(s)) for s in states] + [line(r) for r in rows]
            await copy_lines(
                conn, text, "worker_list", worker_list.COLUMNS, "".join(lines).encode()
            )
            claimed = "".join(f"{key}\t{worker_id}\n" for key, worker_id in claims)
            await copy_lines(conn, text, "open_files", CLAIM_COLUMNS, claimed.encode())

        written, stored = await _stored(conn, binary), await _stored(conn, text)

    assert written == stored
    assert len(written) == 2 * len(states) + len(rows)
    # claim rows sort as their keys: the order two imports' claims are taken in
    assert rows_claimed == [claim_line(key, worker_id) for key, worker_id in sorted(claims)]
