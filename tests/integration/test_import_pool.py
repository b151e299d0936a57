"""An import whose rows are prepared in worker processes (`adapters/import_pool.py`) stores
what an import planned in the service's process stores: the same events (opened), list rows,
open-file claims and data keys, the same answer row by row; its re-run skips every row; and
the workers stop with the service."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import signal
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from lmis_registry.adapters.bulk_files import PostgresBulkFiles
from lmis_registry.adapters.identity_records import PostgresIdentityRecords
from lmis_registry.adapters.import_pool import WORKER_NICENESS
from lmis_registry.adapters.population_local import LocalPopulationRegister
from lmis_registry.application.import_identities import ImportedIdentities
from lmis_registry.application.import_rows import OPEN_FILE
from lmis_registry.domain.workers import IdentityAnswer
from lmis_shared.clock import FixedClock
from lmis_shared.commands.postgres import PostgresStreams
from lmis_shared.contracts.registry_follow_up import IdentityCheckOutcome, IdentitySource
from lmis_shared.eventstore import AppendContext, WrongExpectedVersion
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.privacy.personal import Opener
from tests.integration.test_worker_import import (
    CSV,
    SAMPLE,
    SECRET,
    planned_changes,
    sample_rows,
)
from tests.integration.worker_api import NOW, Api, running_api

pytestmark = pytest.mark.integration

MORE = 4_300
"""Generated good rows after the sample's: three batches, so several are prepared at once."""


def sample_and_more() -> bytes:
    """The sample (good rows, every kind of bad row, a row repeating an earlier one) and
    generated good rows, repeating the sample's second row at the end (a repeat across
    batches)."""
    rows = sample_rows()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    template = next(r for r in rows if not r["Ghi chú"])
    for i in range(MORE):
        born = f"{(i % 28) + 1:02d}/0{(i % 9) + 1}/1990"
        citizen = f"012090{i:06d}"  # born 1990, male: the century-sex digit is 0
        writer.writerow(template | {"Ngày sinh": born, "Giới tính": "Nam", "Số CCCD": citizen})
    writer.writerow(rows[1])
    return out.getvalue().encode("utf-8-sig")


async def imported(api: Api, data: bytes) -> dict[str, Any]:
    response = await api.client.post("/v1/imports/workers", content=data, headers=api.auth() | CSV)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def stored(api: Api) -> dict[str, Any]:
    """What the import stored, sealed data opened; event ids and the request's correlation id
    are drawn anew by each import, so left out."""
    s = f'"{api.schema}"'
    rows = await api.pool.fetch(
        f"select stream_id, version, event_type, data, actor, source from {s}.events"
    )
    async with api.pool.acquire() as conn:
        opener = await Opener.of(conn, api.personal)
    events = sorted(
        (
            str(r["stream_id"]),
            r["version"],
            r["event_type"],
            opener.payload(
                r["event_type"], r["stream_id"], json.loads(r["data"])
            ).model_dump_json(),
            r["actor"],
            r["source"],
        )
        for r in rows
    )
    lists = await api.pool.fetch(f"select * from {s}.worker_list order by worker_id")
    claims = await api.pool.fetch(f"select * from {s}.open_files order by citizen_key")
    keys = await api.pool.fetch(f"select subject_id from {s}.person_keys order by subject_id")
    return {
        "events": events,
        "list": [tuple(r) for r in lists],
        "claims": [tuple(r) for r in claims],
        "keys": [r["subject_id"] for r in keys],
    }


async def test_rows_prepared_in_worker_processes_are_stored_as_rows_planned_here(
    tmp_path: Path, database_url: str, pg_pool: asyncpg.Pool
) -> None:
    data = sample_and_more()
    results = {}
    for processes in (0, 2):
        schema = f"t_pool_{processes}_{uuid.uuid4().hex[:8]}"
        async with running_api(
            tmp_path / str(processes), database_url, schema, pg_pool, import_processes=processes
        ) as api:
            pool = api.app.state.registry.import_pool
            assert (pool is None) == (processes == 0)
            answer = await imported(api, data)
            again = await imported(api, data)
            results[processes] = (answer, again, await stored(api))
        if pool is not None:  # the app stopped: so did its workers
            assert pool._executor is None
    here, pooled = results[0], results[2]
    assert pooled[0] == here[0]  # the same answer, row by row, in Vietnamese too
    assert pooled[0]["imported"] == 20 + MORE
    assert {e["row"] for e in pooled[0]["errors"]} >= {len(sample_rows()) + MORE + 2}
    assert pooled[1] == here[1]  # a re-run skips every imported row
    assert pooled[1]["skipped"] == 20 + MORE
    assert pooled[2] == here[2]
    assert len(pooled[2]["events"]) == 20 + MORE


async def test_the_workers_run_below_the_service_s_priority(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> None:
    """Niced: an import takes the CPU the service's answers leave (`WORKER_NICENESS`)."""
    before = {p.pid for p in multiprocessing.active_children()}
    async with running_api(
        tmp_path, database_url, fresh_schema, pg_pool, import_processes=2
    ) as api:
        await api.app.state.registry.import_pool.start()  # both workers (else started as needed)
        await imported(api, SAMPLE.read_bytes())
        workers = [p.pid for p in multiprocessing.active_children() if p.pid not in before]
        niceness = [os.getpriority(os.PRIO_PROCESS, pid) for pid in workers]
    assert niceness == [os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS] * 2


async def test_personal_data_prepared_in_a_worker_is_sealed(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> None:
    async with running_api(
        tmp_path, database_url, fresh_schema, pg_pool, import_processes=1
    ) as api:
        await imported(api, SAMPLE.read_bytes())
        raw = await api.pool.fetch(f'select data::text from "{api.schema}".events')
    good = [r for r in sample_rows() if not r["Ghi chú"]]
    assert len(raw) == len(good)
    for row in good:
        for record in raw:
            assert row["Số CCCD"] not in record["data"]
            assert row["Họ và tên"] not in record["data"]


async def test_late_rows_meet_stored_and_open_files_after_the_looks_stopped(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> None:
    """The first batches find nothing stored, so the later ones are saved without a look:
    a late row whose citizen holds another open file, and one whose file is stored, roll
    their batch back, which is saved again after a look, as if every look had been taken."""
    data = sample_and_more()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    first_generated = len(sample_rows()) + 2  # the file's row number of the first generated
    open_elsewhere, stored_already = MORE - 200, MORE - 100
    earlier = [rows[-MORE - 1 + open_elsewhere] | {"Ngày đăng ký": "01/01/2025"}]
    earlier.append(rows[-MORE - 1 + stored_already])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(earlier)
    async with running_api(
        tmp_path, database_url, fresh_schema, pg_pool, import_processes=1
    ) as api:
        assert (await imported(api, out.getvalue().encode()))["imported"] == 2
        answer = await imported(api, data)
    assert answer["imported"] == 20 + MORE - 2
    assert first_generated + stored_already in answer["skipped_rows"]
    refused = [e for e in answer["errors"] if e["row"] == first_generated + open_elsewhere]
    assert [(e["field"], e["reason"]) for e in refused] == [("citizen_id", OPEN_FILE)]


async def test_identity_answers_are_saved_a_batch_at_a_time_whole_or_not_at_all(api: Api) -> None:
    """`PostgresIdentityRecords`: one append for the batch; a file at another version than
    its change expects refuses the whole batch (the import then saves one by one)."""
    bulk = PostgresBulkFiles(api.pool, api.schema, SECRET)
    good = [r for r in sample_rows() if not r["Ghi chú"]][:3]
    changes = planned_changes(good, bulk)
    await bulk.save_new(changes)
    store = PostgresEventStore(api.pool, api.schema)
    records = PostgresIdentityRecords(
        api.pool, api.schema, SECRET, store, PostgresStreams(api.pool, api.schema)
    )
    identities = ImportedIdentities(LocalPopulationRegister(files=()), records, FixedClock(NOW))
    context = AppendContext("officer-1", uuid.uuid4(), None, None, "/lmis/api", NOW)
    answer = IdentityAnswer(IdentityCheckOutcome.not_found, IdentitySource.local_register)
    checked = [identities._change(c.after, answer, context) for c in changes]

    stale = [*checked[:2], replace(checked[2], expected_version=2)]
    with pytest.raises(WrongExpectedVersion):
        await records.save_all(stale)
    assert await api.count("events") == 3
    statuses = f'select identity_status from "{api.schema}".worker_list'
    assert {r[0] for r in await api.pool.fetch(statuses)} == {"unverified"}

    await records.save_all(checked)
    assert await api.count("events") == 6
    answered = {c.after.follow_up.identity.value for c in checked}
    assert answered != {"unverified"}
    assert {r[0] for r in await api.pool.fetch(statuses)} == answered


async def test_a_worker_that_dies_fails_its_import_and_the_next_import_starts_new_ones(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> None:
    async with running_api(
        tmp_path, database_url, fresh_schema, pg_pool, import_processes=1
    ) as api:
        pool = api.app.state.registry.import_pool
        await pool.start()
        for pid in list(pool._executor._processes):
            os.kill(pid, signal.SIGKILL)
        failed = await api.client.post(
            "/v1/imports/workers", content=SAMPLE.read_bytes(), headers=api.auth() | CSV
        )
        assert failed.status_code == 500
        assert await api.count("events") == 0
        body = await imported(api, SAMPLE.read_bytes())
        assert body["imported"] == 20
