"""Bulk import of worker files on the real PostgreSQL, through the HTTP API and the CLI: the
sample file's good rows in and every bad row reported, nothing twice, batches whole or not at
all, and a commune officer only within the commune."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from importlib.resources import files
from pathlib import Path

import asyncpg
import httpx
import openpyxl
import pytest
from typer.testing import CliRunner

from lmis_cli.imports import imports_app
from lmis_registry.adapters.bulk_files import PostgresBulkFiles
from lmis_registry.application.import_rows import RowPlanner
from lmis_registry.application.import_template import WORKER_TEMPLATE
from lmis_registry.domain.workers import OpenFileExists, WorkerFile
from lmis_registry.settings import DEVELOPMENT_LOOKUP_KEY
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.commands import Change
from lmis_shared.events import NewEvent
from lmis_shared.eventstore import AppendContext, WrongExpectedVersion
from lmis_shared.imports import XLSX_MEDIA_TYPE, read_table
from tests.integration.apps import served
from tests.integration.worker_api import NOW, Api, running_api

pytestmark = pytest.mark.integration

SECRET = DEVELOPMENT_LOOKUP_KEY.encode()  # the key of the app `running_api` runs
SAMPLE = files("lmis_registry").joinpath("data", "import", "sample_workers.csv")
CSV = {"Content-Type": "text/csv"}


def sample_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(SAMPLE.read_text(encoding="utf-8-sig"))))


def marked_bad() -> set[int]:
    return {n for n, row in enumerate(sample_rows(), start=2) if row["Ghi chú"]}


def sample_as_xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    rows = sample_rows()
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook_rows(data: bytes) -> list[tuple[object, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


# --- the API ------------------------------------------------------------------------------


async def test_the_sample_imports_through_the_api_and_every_bad_row_is_reported(
    api: Api,
) -> None:
    response = await api.client.post(
        "/v1/imports/workers", content=SAMPLE.read_bytes(), headers=api.auth() | CSV
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["rows"], body["imported"], body["skipped"]) == (31, 20, 0)
    assert {e["row"] for e in body["errors"]} == marked_bad()
    assert body["rejected"] == len(marked_bad())
    for row in sample_rows():
        assert row["Số CCCD"] not in response.text
    assert [await api.count(t) for t in ("events", "open_files", "worker_list")] == [20] * 3
    listed = await api.client.get("/v1/workers?limit=100", headers=api.auth())
    assert len(listed.json()["items"]) == 20


async def test_imported_files_are_sealed_per_person_and_open_back_through_the_api(
    api: Api,
) -> None:
    """The bulk path (COPY) seals as every append does: one data key per file, no personal
    field stored in clear, and the file reads back whole."""
    await api.client.post(
        "/v1/imports/workers", content=SAMPLE.read_bytes(), headers=api.auth() | CSV
    )
    assert await api.count("person_keys") == 20
    stored = await api.pool.fetch(f'select stream_id, data::text from "{api.schema}".events')
    good = [r for r in sample_rows() if not r["Ghi chú"]]
    for row in good:
        for record in stored:
            assert row["Số CCCD"] not in record["data"]
            assert row["Họ và tên"] not in record["data"]
    first = stored[0]["stream_id"]
    shown = await api.client.get(f"/v1/workers/{first}", headers=api.auth())
    assert shown.status_code == 200, shown.text
    assert shown.json()["citizen_id"] in {r["Số CCCD"] for r in good}


async def test_the_same_records_uploaded_again_as_an_xlsx_form_import_nothing(
    api: Api,
) -> None:
    await api.client.post(
        "/v1/imports/workers", content=SAMPLE.read_bytes(), headers=api.auth() | CSV
    )
    again = await api.client.post(
        "/v1/imports/workers",
        files={"file": ("lao_dong.xlsx", sample_as_xlsx(), XLSX_MEDIA_TYPE)},
        headers=api.auth(),
    )
    assert again.status_code == 200, again.text
    body = again.json()
    assert (body["imported"], body["skipped"], body["rejected"]) == (0, 20, len(marked_bad()))
    assert await api.count("events") == 20


async def test_the_error_report_downloads_as_a_workbook_with_the_counts(
    api: Api,
) -> None:
    response = await api.client.post(
        "/v1/imports/workers?report=xlsx", content=SAMPLE.read_bytes(), headers=api.auth()
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX_MEDIA_TYPE
    assert response.headers["X-Import-Imported"] == "20"
    assert response.headers["X-Import-Rejected"] == str(len(marked_bad()))
    rows = workbook_rows(response.content)
    assert rows[0] == ("Dòng", "Cột", "Lý do")
    assert {r[0] for r in rows[1:]} == marked_bad()
    assert {"Số CCCD", "Mã xã"} <= {r[1] for r in rows[1:]}


async def test_the_blank_template_downloads(api: Api) -> None:
    response = await api.client.get("/v1/imports/workers/template.xlsx", headers=api.auth())
    assert response.status_code == 200
    assert "mau_nhap_nguoi_lao_dong.xlsx" in response.headers["content-disposition"]
    headings = workbook_rows(response.content)[0]
    assert headings[: len(WORKER_TEMPLATE.columns)] == tuple(
        c.heading for c in WORKER_TEMPLATE.columns
    )


async def test_a_commune_officer_imports_only_the_rows_of_that_commune(
    api: Api,
) -> None:
    officer = api.auth(role="commune_officer", scope="03637")
    response = await api.client.post(
        "/v1/imports/workers", content=SAMPLE.read_bytes(), headers=officer | CSV
    )
    body = response.json()
    numbered = list(enumerate(sample_rows(), start=2))
    good_here = [n for n, row in numbered if row["Mã xã"] == "03637" and not row["Ghi chú"]]
    elsewhere = {n for n, row in numbered if row["Mã xã"] != "03637"}
    assert body["imported"] == len(good_here) == 1
    assert elsewhere <= {e["row"] for e in body["errors"]}
    outside = {e["row"] for e in body["errors"] if e["reason"].startswith("is outside")}
    assert (outside - elsewhere, len(outside) >= 19) == (set(), True)
    assert await api.count("events") == 1


async def test_an_unreadable_file_is_a_problem_naming_the_file(api: Api) -> None:
    data = "Họ và tên,Số CCCD\r\nLò Thị Mai,012198001234\r\n".encode("utf-16-le")
    response = await api.client.post(
        "/v1/imports/workers", content=b"\xff\xfe" + data, headers=api.auth() | CSV
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["file"]


async def test_a_role_that_may_not_write_worker_files_may_not_import(api: Api) -> None:
    response = await api.client.post(
        "/v1/imports/workers", content=SAMPLE.read_bytes(), headers=api.auth("bank") | CSV
    )
    assert response.status_code == 403


# --- batches on PostgreSQL ----------------------------------------------------------------


def planned_changes(
    rows: list[dict[str, str]], bulk: PostgresBulkFiles
) -> list[Change[WorkerFile]]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([list(rows[0]), *(list(r.values()) for r in rows)])
    table = read_table(out.getvalue().encode(), WORKER_TEMPLATE)
    principal = Principal("officer-1", Role.ADMIN, "12")
    planner = RowPlanner(table, principal, NOW.date(), Authorizer(), bulk.file_id)
    planned, errors = planner.plan(table.rows)
    assert errors == []
    context = AppendContext("officer-1", uuid.uuid4(), None, None, "/lmis/api", NOW)
    return [
        Change(
            stream_id=p.after.id,
            stream_type="worker",
            expected_version=0,
            events=[NewEvent(event_id=uuid.uuid4(), payload=e) for e in p.events],
            context=context,
            idempotency=None,
            before=None,
            after=p.after,
        )
        for p in planned
    ]


async def test_a_batch_is_saved_whole_or_not_at_all(api: Api) -> None:
    bulk = PostgresBulkFiles(api.pool, api.schema, SECRET)
    good = [r for r in sample_rows() if not r["Ghi chú"]][:3]
    first, *others = planned_changes(good, bulk)
    await bulk.save_new([first])
    with pytest.raises(WrongExpectedVersion):
        await bulk.save_new([*others, first])  # the same file again: refused, with the rest
    assert [await api.count(t) for t in ("events", "open_files", "worker_list")] == [1] * 3

    same_person = [good[0] | {"Ngày đăng ký": "03/02/2024"}]
    [second_open_file] = planned_changes(same_person, bulk)
    with pytest.raises(OpenFileExists):
        await bulk.save_new([*others, second_open_file])
    assert [await api.count(t) for t in ("events", "open_files", "worker_list")] == [1] * 3

    await bulk.save_new(others)
    assert [await api.count(t) for t in ("events", "open_files", "worker_list")] == [3] * 3


async def test_two_imports_of_one_file_at_once_import_each_row_once(api: Api) -> None:
    async def post() -> httpx.Response:
        return await api.client.post(
            "/v1/imports/workers", content=SAMPLE.read_bytes(), headers=api.auth() | CSV
        )

    first, second = await asyncio.gather(post(), post())
    imported = [r.json()["imported"] for r in (first, second)]
    skipped = [r.json()["skipped"] for r in (first, second)]
    assert sum(imported) == 20
    assert sum(skipped) == 20
    assert await api.count("events") == 20


# --- the command line ---------------------------------------------------------------------


async def test_the_cli_imports_in_chunks_and_reports_rows_as_numbered_in_the_file(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> None:
    async with running_api(tmp_path, database_url, fresh_schema, pg_pool) as api:
        token = api.token()
        app = api.app
    report = tmp_path / "loi.xlsx"
    source = tmp_path / "lao_dong.xlsx"
    source.write_bytes(sample_as_xlsx())
    args = ["workers", str(source), "--token", token, "--chunk-rows", "7"]

    def run_cli(base: str, report: Path) -> tuple[int, str]:
        result = CliRunner().invoke(imports_app, [*args, "--url", base, "--report", str(report)])
        return result.exit_code, result.output

    with served(app) as base:  # a real port: the CLI is a blocking HTTP client
        code, output = await asyncio.to_thread(run_cli, base, report)
        again_code, again = await asyncio.to_thread(run_cli, base, tmp_path / "again.xlsx")
    assert code == 1, output  # rows were rejected
    assert "đã nhập: 20" in output
    rows = workbook_rows(report.read_bytes())
    assert {r[0] for r in rows[1:]} == marked_bad()
    by_row = {r[0]: r[1] for r in rows[1:]}
    assert by_row[22] == "Số CCCD"  # the 11-digit citizen ID, on its row of the file
    assert by_row[30] == "Số CCCD"  # repeats row 3, which an earlier chunk imported
    # on a re-run, row 30's file exists like row 3's: both are skipped as already imported
    assert (again_code, "đã nhập: 0" in again, "(đã nhập trước đó): 21" in again) == (1, True, True)
    assert int(await pg_pool.fetchval(f'select count(*) from "{fresh_schema}".events')) == 20
