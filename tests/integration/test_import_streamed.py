"""A file read while its first batches are prepared (`lmis_shared.imports.streamed`) that turns
out unreadable part-way, after batches were handed to the worker processes, imports nothing:
the same 422 naming `file` as a file refused at its first byte, and no event, list row, claim
or data key stored."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg
import pytest

from lmis_registry.application.imports import BATCH_SIZE
from lmis_shared.imports.reading import MAX_BLANK_ROWS, MAX_LINE_CHARS
from tests.integration.test_import_pool import MORE, sample_and_more
from tests.integration.test_worker_import import CSV
from tests.integration.worker_api import running_api

pytestmark = pytest.mark.integration

BROKEN = {
    "not UTF-8": "012090999999,\xff\xfe".encode("latin-1"),
    "a line too long": b"x" * (MAX_LINE_CHARS + 1),
    "too many blank rows": b",,,\r\n" * (MAX_BLANK_ROWS + 1),
    "a quote left open": '1,"Lò Văn Páo,03/05/1995\r\n'.encode() + b"2,x,y\r\n" * 3,
    "a NUL in a name": "1,Lò\x00Văn Páo,03/05/1995,Nam,Thái,012095183405,03637".encode(),
}
"""What comes after the file's good rows (more than two batches of them)."""


@pytest.mark.parametrize("processes", [1, 0], ids=["worker processes", "in process"])
@pytest.mark.parametrize("tail", list(BROKEN.values()), ids=list(BROKEN))
async def test_a_file_unreadable_after_its_first_batches_imports_nothing(
    tmp_path: Path, database_url: str, pg_pool: asyncpg.Pool, processes: int, tail: bytes
) -> None:
    data = sample_and_more() + tail + b"\r\n"
    assert MORE > 2 * BATCH_SIZE  # several batches before it
    schema = f"t_stream_{processes}_{uuid.uuid4().hex[:8]}"
    async with running_api(
        tmp_path, database_url, schema, pg_pool, import_processes=processes
    ) as api:
        refused = await api.client.post(
            "/v1/imports/workers", content=data, headers=api.auth() | CSV
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["file"]
        for table in ("events", "worker_list", "open_files", "person_keys"):
            assert await api.count(table) == 0, table
        good = await api.client.post(
            "/v1/imports/workers", content=sample_and_more(), headers=api.auth() | CSV
        )  # the same rows without the tail: imported whole
        assert good.json()["imported"] == 20 + MORE
