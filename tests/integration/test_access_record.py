"""The access record on the real PostgreSQL, through the registry's API: each read of a
person's file, history or list page is one hash-chained entry; the admin lists them by subject
and by actor; `lmis audit verify` finds an edited entry; concurrent readers make one line."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import quote
from uuid import UUID

import asyncpg
import pytest
from typer.testing import CliRunner

from lmis_cli.main import app as cli
from lmis_shared.access.postgres import PostgresAccessLog
from lmis_shared.access.record import GENESIS, chained_hash
from lmis_shared.logging import REDACTED
from tests.integration.test_loans_api import LoansApi
from tests.integration.worker_api import Api, running_api, worker
from tests.problems import assert_invalid

pytestmark = pytest.mark.integration

CORRELATION = "6f1c2a4e-0d7b-4c55-9a0e-2b7d5c3e8f10"


async def entries(api: Api) -> list[asyncpg.Record]:
    return await api.pool.fetch(f'select * from "{api.schema}".access_log order by id')


async def test_reading_a_file_records_one_entry_saying_who_what_and_why(api: Api) -> None:
    worker_id = await api.register()
    headers = api.auth("commune_officer", "03637") | {
        "X-Purpose": quote("xác minh hồ sơ vay vốn"),
        "X-Correlation-ID": CORRELATION,
    }
    response = await api.client.get(f"/v1/workers/{worker_id}", headers=headers)
    assert response.status_code == 200, response.text

    (entry,) = await entries(api)
    assert entry["id"] == 1
    assert (entry["actor"], entry["role"], entry["unit"]) == (
        "officer-1",
        "commune_officer",
        "03637",
    )
    assert (entry["action"], entry["subjects"]) == ("read", [worker_id])
    assert entry["fields"] == ["person", "contact", "residence", "training", "contract", "abroad"]
    assert entry["purpose"] == "xác minh hồ sơ vay vốn"
    assert entry["correlation_id"] == UUID(CORRELATION)
    assert entry["prev_hash"] == GENESIS
    assert (await PostgresAccessLog(api.pool, api.schema).verify()).broken_at is None


async def test_a_refused_read_is_not_recorded_and_a_bad_purpose_is_a_problem(api: Api) -> None:
    worker_id = await api.register()
    elsewhere = await api.client.get(
        f"/v1/workers/{worker_id}", headers=api.auth("commune_officer", "03640")
    )
    bad = await api.client.get(
        f"/v1/workers/{worker_id}", headers=api.auth() | {"X-Purpose": "a%0Ab"}
    )
    assert elsewhere.status_code == 404
    assert_invalid(bad, "header.X-Purpose")
    assert await entries(api) == []


async def test_a_history_and_a_list_page_are_recorded_with_the_files_they_show(api: Api) -> None:
    first = await api.register()
    second = await api.register(citizen_id="012198001235", full_name="Vàng A Sử")
    assert (await api.client.get(f"/v1/workers/{first}/history", headers=api.auth())).is_success
    listed = await api.client.get("/v1/workers", headers=api.auth())
    assert listed.status_code == 200

    history, page = await entries(api)
    assert (history["action"], history["subjects"], history["fields"]) == (
        "read",
        [first],
        ["history"],
    )
    assert page["action"] == "list"
    assert sorted(page["subjects"]) == sorted([first, second])
    assert page["prev_hash"] == history["hash"]


async def test_an_import_is_recorded(api: Api) -> None:
    template = await api.client.get("/v1/imports/workers/template.xlsx", headers=api.auth())
    imported = await api.client.post(
        "/v1/imports/workers",
        content=template.content,
        headers=api.auth() | {"Content-Type": template.headers["content-type"]},
    )
    assert imported.status_code == 200, imported.text

    (entry,) = await entries(api)
    assert (entry["action"], entry["subjects"]) == ("import", [])
    assert "citizen_id" in entry["fields"]


async def test_the_admin_lists_the_record_by_subject_and_by_actor_a_page_at_a_time(
    api: Api,
) -> None:
    worker_id = await api.register()
    other = await api.register(citizen_id="012198001235", full_name="Vàng A Sử")
    for _ in range(3):
        await api.client.get(f"/v1/workers/{worker_id}", headers=api.auth())
    await api.client.get(f"/v1/workers/{other}", headers=api.auth("admin", "12"))

    admin = api.auth("admin", "12")
    first = await api.client.get(
        "/v1/audit/access", params={"subject": worker_id, "limit": 2}, headers=admin
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert [e["id"] for e in body["items"]] == [3, 2]
    assert body["next_cursor"] == "2"
    rest = await api.client.get(
        "/v1/audit/access",
        params={"subject": worker_id, "limit": 2, "cursor": body["next_cursor"]},
        headers=admin,
    )
    assert [e["id"] for e in rest.json()["items"]] == [1]
    assert rest.json()["next_cursor"] is None

    by_actor = await api.client.get(
        "/v1/audit/access", params={"actor": "officer-1", "subject": other}, headers=admin
    )
    assert [(e["id"], e["role"], e["subjects"]) for e in by_actor.json()["items"]] == [
        (4, "admin", [other])
    ]


async def test_only_an_admin_reads_the_record_and_bad_queries_name_the_field(api: Api) -> None:
    worker_id = await api.register()
    for role, scope in (("province_officer", "12"), ("police", "12"), ("bank", "12")):
        refused = await api.client.get(
            "/v1/audit/access", params={"subject": worker_id}, headers=api.auth(role, scope)
        )
        assert refused.status_code == 403, role
    admin = api.auth("admin", "12")
    neither = await api.client.get("/v1/audit/access", headers=admin)
    cursor = await api.client.get(
        "/v1/audit/access", params={"actor": "x", "cursor": "id-012198001234"}, headers=admin
    )
    assert [e["field"] for e in neither.json()["errors"]] == ["query.subject"]
    assert [e["field"] for e in cursor.json()["errors"]] == ["query.cursor"]
    assert "012198001234" not in cursor.text


async def test_the_record_refuses_changes_and_verify_finds_an_edited_entry(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker_id = await api.register()
    for _ in range(4):
        await api.client.get(f"/v1/workers/{worker_id}", headers=api.auth())
    table = f'"{api.schema}".access_log'
    with pytest.raises(asyncpg.RestrictViolationError):
        await api.pool.execute(f"update {table} set actor = 'someone-else' where id = 2")
    with pytest.raises(asyncpg.RestrictViolationError):
        await api.pool.execute(f"delete from {table} where id = 4")

    monkeypatch.setenv("LMIS_DATABASE_URL", database_url)
    monkeypatch.setenv("LMIS_REGISTRY_SCHEMA_NAME", api.schema)
    intact = await asyncio.to_thread(CliRunner().invoke, cli, ["audit", "verify", "registry"])
    assert intact.exit_code == 0, intact.output
    assert "registry: OK, 4 entries" in intact.output

    # a superuser who switches the trigger off can edit: the chain still tells
    async with api.pool.acquire() as connection, connection.transaction():
        await connection.execute(f"alter table {table} disable trigger access_log_append_only")
        await connection.execute(f"update {table} set purpose = 'routine' where id = 3")
        await connection.execute(f"alter table {table} enable trigger access_log_append_only")

    broken = await asyncio.to_thread(CliRunner().invoke, cli, ["audit", "verify", "registry"])
    assert broken.exit_code == 1, broken.output
    assert "registry: BROKEN at entry 3" in broken.output


async def test_concurrent_reads_make_one_line_of_entries(api: Api) -> None:
    worker_id = await api.register()
    readers = 40
    answers = await asyncio.gather(
        *(api.client.get(f"/v1/workers/{worker_id}", headers=api.auth()) for _ in range(readers))
    )
    assert all(a.status_code == 200 for a in answers)

    rows = await entries(api)
    assert [r["id"] for r in rows] == list(range(1, readers + 1))
    assert len({r["prev_hash"] for r in rows}) == readers  # no two entries after the same one
    prev = GENESIS
    log = PostgresAccessLog(api.pool, api.schema)
    async for stored in log.entries():
        assert stored.prev_hash == prev
        assert stored.hash == chained_hash(prev, stored.entry)
        prev = stored.hash
    assert (await log.verify()).entries == readers


async def test_a_problem_never_echoes_a_citizen_id_put_in_the_wrong_field(api: Api) -> None:
    hostile = "079203004321"
    response = await api.client.post(
        "/v1/workers",
        json=worker(
            date_of_birth=hostile,
            phone=f"+84 {hostile}",
            commune_code=hostile,
            sex=hostile,
            full_name=hostile,
            unexpected={"citizen_id": hostile},
        ),
        headers=api.auth(),
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} >= {
        "body.date_of_birth",
        "body.commune_code",
    }
    assert hostile not in response.text
    assert REDACTED not in response.text  # not masked: simply never there


async def test_a_loan_read_is_recorded_under_the_borrower_and_the_loan(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> None:
    async with running_api(tmp_path, database_url, fresh_schema, pg_pool, LoansApi) as api:
        assert isinstance(api, LoansApi)
        loan_id = await api.disbursed_loan()
        worker_id = str(
            (await api.client.get(f"/v1/loans/{loan_id}", headers=api.auth())).json()["worker_id"]
        )
        await api.client.get(f"/v1/loans/{loan_id}/history", headers=api.auth())

        loan, history = await entries(api)
    assert (loan["role"], loan["subjects"]) == ("bank", [worker_id, loan_id])
    assert (history["subjects"], history["fields"]) == ([worker_id, loan_id], ["history"])
